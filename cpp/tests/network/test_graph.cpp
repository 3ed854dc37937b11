#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
#include <boost/graph/find_flow_cost.hpp>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/flow.hpp"
#include "earlyhelp/network/graph.hpp"

using namespace earlyhelp::network;

namespace {
Graph make(std::vector<std::int64_t> s, std::vector<std::int64_t> d, bool directed = false, std::int64_t n = -1,
           const std::vector<double>* w = nullptr) {
  return Graph(s.data(), d.data(), w ? w->data() : nullptr, s.size(), directed, n);
}
}  // namespace

TEST(NetworkGraph, DuplicatesMergedAndSelfLoopsKept) {
  std::vector<double> w{1.0, 2.0, 5.0};
  Graph g = make({0, 1, 2}, {1, 0, 2}, false, 4, &w);
  EXPECT_EQ(g.num_vertices(), 4);
  EXPECT_EQ(g.num_edges(), 2);  // 0-1 merged, 2-2 loop
  auto s = strength(g);
  EXPECT_DOUBLE_EQ(s[0], 3.0);
  EXPECT_DOUBLE_EQ(s[2], 10.0);  // self-loop counts twice
  auto d = degree(g);
  EXPECT_DOUBLE_EQ(d[2], 2.0);
  EXPECT_DOUBLE_EQ(d[3], 0.0);
}

TEST(NetworkGraph, ParallelEdgesSumAsStrengthsAndTakeTheShortestAsLengths) {
  // 0-1 twice (lengths 1 and 2), 1-2 (1): NetworkX and igraph on the multigraph give
  // distances 0, 1, 2 from 0; the summed weight 3 is the strength of 0-1, not its length
  std::vector<double> w{1.0, 2.0, 1.0};
  Graph g = make({0, 0, 1}, {1, 1, 2}, false, -1, &w);
  std::vector<std::int64_t> src{0};
  std::vector<double> out(3);
  distances(g, src.data(), 1, out.data());
  EXPECT_DOUBLE_EQ(out[1], 1.0);
  EXPECT_DOUBLE_EQ(out[2], 2.0);
  EXPECT_DOUBLE_EQ(strength(g)[0], 3.0);
  std::vector<std::int64_t> s, d;
  std::vector<double> weight, length;
  g.edges(s, d, weight, &length);
  EXPECT_EQ(weight, (std::vector<double>{3.0, 1.0}));
  EXPECT_EQ(length, (std::vector<double>{1.0, 1.0}));
  // 0-1 (1, 1.5), 1-2 (1), 0-2 (2.2): the path 0-1-2 (2) is shorter than 0-2, so 1 lies between
  std::vector<double> w2{1.0, 1.5, 1.0, 2.2};
  Graph g2 = make({0, 0, 1, 0}, {1, 1, 2, 2}, false, -1, &w2);
  auto bc = betweenness(g2, {}, false, false);
  EXPECT_DOUBLE_EQ(bc[1], 1.0);
  EXPECT_DOUBLE_EQ(bc[0], 0.0);
}

TEST(NetworkGraph, BadInputThrows) {
  std::vector<double> nan{std::nan("")};
  std::vector<double> neg{-1.0};
  EXPECT_THROW(make({0}, {5}, false, 3), earlyhelp::InputError);
  EXPECT_THROW(make({-1}, {0}), earlyhelp::InputError);
  EXPECT_THROW(make({0}, {1}, false, -1, &nan), earlyhelp::InputError);
  EXPECT_THROW(make({0}, {1}, false, -1, &neg), earlyhelp::InputError);
  Graph empty = make({}, {});
  EXPECT_EQ(empty.num_vertices(), 0);
  EXPECT_TRUE(pagerank(empty).empty());
  EXPECT_TRUE(components(empty).empty());
}

TEST(NetworkGraph, ComponentsAndDistances) {
  Graph g = make({0, 1, 3}, {1, 2, 4}, false, 6);
  auto c = components(g);
  EXPECT_EQ(c, (std::vector<std::int64_t>{0, 0, 0, 1, 1, 2}));
  std::vector<std::int64_t> src{0};
  std::vector<double> out(6);
  distances(g, src.data(), 1, out.data());
  EXPECT_DOUBLE_EQ(out[2], 2.0);
  EXPECT_TRUE(std::isinf(out[3]));
  std::vector<double> w{1.0, 0.5, 1.0};
  Graph gw = make({0, 1, 3}, {1, 2, 4}, false, 6, &w);
  distances(gw, src.data(), 1, out.data());
  EXPECT_DOUBLE_EQ(out[2], 1.5);
}

TEST(NetworkGraph, PagerankSumsToOneWithDangling) {
  Graph g = make({0, 1, 2}, {1, 2, 0}, true, 4);  // vertex 3 dangling, isolated
  auto pr = pagerank(g);
  double sum = 0;
  for (double x : pr) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_NEAR(pr[0], pr[1], 1e-6);
}

TEST(NetworkGraph, BetweennessPath) {
  // Path 0-1-2: vertex 1 lies on the only 0-2 path; normalized 1/((n-1)(n-2)) * 2 = 1.
  Graph g = make({0, 1}, {1, 2});
  auto bc = betweenness(g, {}, false, true);
  EXPECT_NEAR(bc[1], 1.0, 1e-12);
  EXPECT_NEAR(bc[0], 0.0, 1e-12);
}

TEST(NetworkGraph, SampledBetweennessFromOneSourceIsFiniteAndUnbiased) {
  // Path 0-1-2-3-4: exact normalized betweenness 0, 0.5, 2/3, 0.5, 0. From one source NetworkX's
  // rescaling gave that source NaN (0/0); averaged over the n equally likely sources the estimate
  // is the exact value.
  Graph g = make({0, 1, 2, 3}, {1, 2, 3, 4});
  const auto exact = betweenness(g, {}, false, true);
  for (bool normalized : {true, false}) {
    const auto truth = betweenness(g, {}, false, normalized);
    std::vector<double> mean(5, 0.0);
    for (std::int64_t s = 0; s < 5; ++s) {
      const auto bc = betweenness(g, {s}, true, normalized);
      EXPECT_DOUBLE_EQ(bc[s], 0.0);
      for (std::size_t v = 0; v < 5; ++v) {
        ASSERT_TRUE(std::isfinite(bc[v]));
        mean[v] += bc[v] / 5.0;
      }
    }
    for (std::size_t v = 0; v < 5; ++v) EXPECT_NEAR(mean[v], truth[v], 1e-12);
  }
  EXPECT_NEAR(exact[2], 2.0 / 3.0, 1e-12);
}

TEST(NetworkGraph, SampledBetweennessAveragesToExactOverEveryDraw) {
  // Every set of k distinct sources is equally likely: the mean over all of them is exact.
  Graph g = make({0, 0, 1, 2, 3, 3, 5}, {1, 2, 3, 3, 4, 5, 6}, true, 8);
  const auto truth = betweenness(g, {}, false, true);
  for (int k = 1; k <= 8; ++k) {
    std::vector<double> mean(8, 0.0);
    int draws = 0;
    for (unsigned mask = 0; mask < 256u; ++mask) {
      if (__builtin_popcount(mask) != k) continue;
      std::vector<std::int64_t> src;
      for (int v = 0; v < 8; ++v)
        if (mask & (1u << v)) src.push_back(v);
      const auto bc = betweenness(g, src, true, true);
      for (std::size_t v = 0; v < 8; ++v) mean[v] += bc[v];
      ++draws;
    }
    for (std::size_t v = 0; v < 8; ++v) EXPECT_NEAR(mean[v] / draws, truth[v], 1e-12) << "k=" << k << " v=" << v;
  }
}

TEST(NetworkGraph, SampledBetweennessRefusesRepeatedOrNoSources) {
  Graph g = make({0, 1}, {1, 2});
  EXPECT_THROW(betweenness(g, {1, 1}, true, true), earlyhelp::InputError);
  EXPECT_THROW(betweenness(g, {}, true, true), earlyhelp::InputError);
  EXPECT_THROW(betweenness(g, {3}, true, true), earlyhelp::InputError);
}

TEST(NetworkGraph, PagerankWithSubnormalWeightsConverges) {
  // Weights of 1e-320: rank / out-strength overflowed to inf and the iteration never settled.
  std::vector<double> tiny{1e-320, 1e-320};
  Graph g = make({0, 1}, {1, 2}, false, -1, &tiny);
  Graph unit = make({0, 1}, {1, 2});
  const auto pr = pagerank(g), expected = pagerank(unit);
  for (std::size_t v = 0; v < 3; ++v) EXPECT_NEAR(pr[v], expected[v], 1e-12);
}

namespace {
// The projection of the bipartite edges l -> r as (a, b, weight) arcs.
struct Projection {
  std::vector<std::int64_t> a, b;
  std::vector<double> w;
};
Projection project(const std::vector<std::int64_t>& l, const std::vector<std::int64_t>& r, ProjectionWeight weight) {
  Projection p;
  bipartite_projection(l.data(), r.data(), l.size(), -1, weight, p.a, p.b, p.w);
  return p;
}
}  // namespace

TEST(NetworkGraph, ProjectionCountAndJaccard) {
  // Families 0,1,2 with agencies: 0:{0,1}, 1:{0,1,2}, 2:{2}; repeated pair counts once.
  const std::vector<std::int64_t> l{0, 0, 1, 1, 1, 2, 0}, r{0, 1, 0, 1, 2, 2, 0};
  const Projection counts = project(l, r, ProjectionWeight::count);
  ASSERT_EQ(counts.a.size(), 3u);
  EXPECT_EQ(counts.a[0], 0);
  EXPECT_EQ(counts.b[0], 1);
  EXPECT_DOUBLE_EQ(counts.w[0], 2.0);
  const Projection jaccard = project(l, r, ProjectionWeight::jaccard);
  EXPECT_DOUBLE_EQ(jaccard.w[0], 1.0);        // agencies 0 and 1 share both families
  EXPECT_DOUBLE_EQ(jaccard.w[2], 1.0 / 3.0);  // agencies 1 and 2: {0,1} vs {1,2}
}

TEST(NetworkGraph, ProjectionHugeIdsAreBoundedNotOverflowed) {
  // Left ids are only labels: any non-negative int64 works, the same answer as small ids.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const Projection p = project({big, big, 5'000'000'000'000, 5'000'000'000'000}, {0, 1, 1, 2}, ProjectionWeight::count);
  ASSERT_EQ(p.a.size(), 2u);
  EXPECT_EQ(p.a[0], 0);
  EXPECT_EQ(p.b[0], 1);
  EXPECT_EQ(p.a[1], 1);
  EXPECT_EQ(p.b[1], 2);
  std::vector<std::int64_t> a, b;
  std::vector<double> w;
  // Right ids become vertices: beyond the engine's limit they are an error, never an overflow.
  std::vector<std::int64_t> l2{0, 0}, r2{big, 0};
  EXPECT_THROW(bipartite_projection(l2.data(), r2.data(), 2, -1, ProjectionWeight::count, a, b, w),
               earlyhelp::InputError);
  std::vector<std::int64_t> r3{0, 1};
  EXPECT_THROW(bipartite_projection(l2.data(), r3.data(), 2, big, ProjectionWeight::count, a, b, w),
               earlyhelp::InputError);
  std::vector<std::int64_t> src{big}, dst{0};
  EXPECT_THROW(Graph(src.data(), dst.data(), nullptr, 1, false), earlyhelp::InputError);
  std::vector<std::int64_t> s0{0}, d0{1};
  EXPECT_THROW(Graph(s0.data(), d0.data(), nullptr, 1, false, big), earlyhelp::InputError);
}

// Boost's successive shortest path on the same network as the reference optimum.
double boost_optimum(int nf, const std::vector<std::int64_t>& cap, const std::vector<std::int64_t>& fam,
                     const std::vector<std::int64_t>& pr, const std::vector<double>& cost, long& flow) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using G = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, long,
                      boost::property<boost::edge_residual_capacity_t, long,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                      boost::property<boost::edge_weight_t, long>>>>>;
  int np = static_cast<int>(cap.size());
  G g(nf + np + 2);
  int s = 0, t = nf + np + 1;
  auto capm = get(boost::edge_capacity, g);
  auto rev = get(boost::edge_reverse, g);
  auto wm = get(boost::edge_weight, g);
  auto add = [&](int u, int v, long c, long w) {
    auto e = add_edge(u, v, g).first;
    auto r = add_edge(v, u, g).first;
    capm[e] = c, capm[r] = 0, wm[e] = w, wm[r] = -w, rev[e] = r, rev[r] = e;
  };
  for (int f = 0; f < nf; ++f) add(s, 1 + f, 1, 0);
  for (std::size_t i = 0; i < fam.size(); ++i) add(1 + fam[i], 1 + nf + pr[i], 1, std::lround(cost[i]));
  for (int p = 0; p < np; ++p) add(1 + nf + p, t, cap[p], 0);
  boost::successive_shortest_path_nonnegative_weights(g, s, t);
  auto res = get(boost::edge_residual_capacity, g);
  flow = 0;
  for (auto [e, end] = out_edges(s, g); e != end; ++e) flow += capm[*e] - res[*e];
  return static_cast<double>(boost::find_flow_cost(g));
}

// A random problem: capacities below `cap_below` (zero included), each pair a candidate with
// chance keep / of, whole costs below `cost_below`.
struct RandomAssignment {
  std::vector<std::int64_t> cap, fam, pr;
  std::vector<double> cost;
  RandomAssignment(std::mt19937& rng, int nf, int np, unsigned cap_below, unsigned keep, unsigned of,
                   unsigned cost_below)
      : cap(static_cast<std::size_t>(np)) {
    for (auto& c : cap) c = rng() % cap_below;
    for (int f = 0; f < nf; ++f)
      for (int p = 0; p < np; ++p)
        if (rng() % of < keep) fam.push_back(f), pr.push_back(p), cost.push_back(static_cast<double>(rng() % cost_below));
  }
};

TEST(NetworkFlow, MatchesBoostSuccessiveShortestPath) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 30; ++trial) {
    int nf = 5 + static_cast<int>(rng() % 30), np = 1 + static_cast<int>(rng() % 6);
    RandomAssignment problem(rng, nf, np, 5, 2, 3, 10);
    auto& [cap, fam, pr, cost] = problem;
    auto a = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size());
    long flow = 0;
    double opt = boost_optimum(nf, cap, fam, pr, cost, flow);
    long ours = 0;
    std::vector<std::int64_t> used(np, 0);
    for (int f = 0; f < nf; ++f)
      if (a.practitioner[f] >= 0) ++ours, ++used[a.practitioner[f]];
    for (int p = 0; p < np; ++p) EXPECT_LE(used[p], cap[p]);
    EXPECT_EQ(ours, flow);
    EXPECT_NEAR(a.total_cost, opt, 1e-6);
    // Starting from one or two candidates per family and pricing the rest reaches the same optimum.
    for (std::int64_t k : {1, 2}) {
      auto pk = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size(), k);
      long assigned = 0;
      for (int f = 0; f < nf; ++f) assigned += pk.practitioner[f] >= 0;
      EXPECT_EQ(assigned, flow);
      EXPECT_NEAR(pk.total_cost, opt, 1e-6);
    }
  }
}

// Both methods, on costs with many distinct values (up to a million), reach Boost's optimum,
// from all pairs and from one or two candidates per family with pricing.
TEST(NetworkFlow, BothMethodsMatchBoostOnDistinctCosts) {
  std::mt19937 rng(11);
  for (FlowMethod method : {FlowMethod::primal_dual, FlowMethod::cost_scaling}) {
    for (int trial = 0; trial < 40; ++trial) {
      int nf = 5 + static_cast<int>(rng() % 40), np = 1 + static_cast<int>(rng() % 8);
      RandomAssignment problem(rng, nf, np, 6, 2, 3, 1000000);
      auto& [cap, fam, pr, cost] = problem;
      long flow = 0;
      const double opt = boost_optimum(nf, cap, fam, pr, cost, flow);
      for (std::int64_t k : {0, 1, 2}) {
        auto a = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size(), k, method);
        long assigned = 0;
        std::vector<std::int64_t> used(np, 0);
        for (int f = 0; f < nf; ++f)
          if (a.practitioner[f] >= 0) ++assigned, ++used[a.practitioner[f]];
        for (int p = 0; p < np; ++p) EXPECT_LE(used[p], cap[p]);
        EXPECT_EQ(assigned, flow) << "trial " << trial << ", k " << k;
        // whole costs below 1e6 are exact in steps of the largest / 1e9
        EXPECT_NEAR(a.total_cost, opt, 1e-6) << "trial " << trial << ", k " << k;
      }
    }
  }
}

// With distinct real costs the primal-dual method needs about one phase per family; the
// automatic choice takes cost scaling, whose phases are the few refinements of eps (times the
// pricing rounds), and both reach the same least total.
TEST(NetworkFlow, AutomaticMethodScalesCostsWithoutTies) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 10.0);
  const int nf = 600, np = 30;
  std::vector<std::int64_t> cap(np), fam, pr;
  std::vector<double> cost;
  for (auto& c : cap) c = 5 + static_cast<std::int64_t>(rng() % 15);
  for (int f = 0; f < nf; ++f)
    for (int p = 0; p < np; ++p) fam.push_back(f), pr.push_back(p), cost.push_back(u(rng));
  auto slow = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size(), 0,
                              FlowMethod::primal_dual);
  auto fast = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size());
  long a = 0, b = 0;
  for (int f = 0; f < nf; ++f) a += slow.practitioner[f] >= 0, b += fast.practitioner[f] >= 0;
  EXPECT_EQ(a, b);
  EXPECT_NEAR(fast.total_cost, slow.total_cost, 1e-9 * slow.total_cost);
  EXPECT_GT(slow.phases, 100);
  EXPECT_LT(fast.phases, 40);
}

// The automatic start with cost scaling: from each family's few cheapest when those hold the
// answer (families and practitioners on a plane, cost the distance: one or two solves), and
// from every arc once pricing has gone on for two rounds (every family ranks the
// practitioners alike). Either way the optimum over all arcs.
TEST(NetworkFlow, AutomaticCandidatesKeepTheOptimum) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int nf = 800, np = 40;
  std::vector<std::int64_t> cap(np, 18), fam, pr;
  std::vector<double> fx(nf), fy(nf), px(np), py(np), rank(np);
  for (int f = 0; f < nf; ++f) fx[f] = u(rng), fy[f] = u(rng);
  for (int p = 0; p < np; ++p) px[p] = u(rng), py[p] = u(rng), rank[p] = 100 * u(rng);
  std::vector<double> distance, alike;
  for (int f = 0; f < nf; ++f)
    for (int p = 0; p < np; ++p) {
      fam.push_back(f), pr.push_back(p);
      distance.push_back(std::hypot(fx[f] - px[p], fy[f] - py[p]));
      alike.push_back(rank[p] + u(rng));
    }
  for (const auto* cost : {&distance, &alike}) {
    auto all = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost->data(), fam.size(), 0);
    auto automatic = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost->data(), fam.size(),
                                     kAutomaticCandidates);
    long a = 0, b = 0;
    for (int f = 0; f < nf; ++f) a += all.practitioner[f] >= 0, b += automatic.practitioner[f] >= 0;
    EXPECT_EQ(a, b);
    EXPECT_NEAR(automatic.total_cost, all.total_cost, 1e-9 * all.total_cost);
    if (cost == &distance) EXPECT_LE(automatic.rounds, 2);
    else EXPECT_EQ(automatic.rounds, 4);  // three solves on growing sets, then one on every arc
  }
}

// Family 2 gets in only if family 1 moves from practitioner 2 to 0, a pair left out of family 1's
// single candidate: the path to the free practitioner runs through two left-out arcs.
TEST(NetworkFlow, PricingFindsAugmentingPathsThroughSeveralLeftOutArcs) {
  std::vector<std::int64_t> cap{1, 1, 1}, fam{0, 1, 1, 2, 2}, pr{1, 0, 2, 1, 2};
  std::vector<double> cost{2.0, 2.0, 1.0, 3.0, 3.0};
  auto a = assign_min_cost(3, cap.data(), 3, fam.data(), pr.data(), cost.data(), fam.size(), 1);
  for (int f = 0; f < 3; ++f) EXPECT_GE(a.practitioner[f], 0) << "family " << f;
  EXPECT_NEAR(a.total_cost, 7.0, 1e-9);
}

// Small, sparse problems with scarce room: where pruning to one candidate most often leaves
// the only way through out of the set. The pruned solve must equal the solve over all pairs
// (which MatchesBoostSuccessiveShortestPath checks against Boost; Boost's own solver is not
// used here, as it overflows a signed integer on a vertex it cannot reach).
TEST(NetworkFlow, PrunedSolvesOfSmallProblemsMatchTheFullSolve) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 500; ++trial) {
    int nf = 1 + static_cast<int>(rng() % 8), np = 1 + static_cast<int>(rng() % 5);
    RandomAssignment problem(rng, nf, np, 3, 3, 5, 5);
    auto& [cap, fam, pr, cost] = problem;
    auto full = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size());
    for (FlowMethod method : {FlowMethod::primal_dual, FlowMethod::cost_scaling}) {
      auto pk = assign_min_cost(nf, cap.data(), np, fam.data(), pr.data(), cost.data(), fam.size(), 1, method);
      long assigned = 0, assigned_full = 0;
      for (int f = 0; f < nf; ++f) assigned += pk.practitioner[f] >= 0, assigned_full += full.practitioner[f] >= 0;
      EXPECT_EQ(assigned, assigned_full) << "trial " << trial;
      EXPECT_NEAR(pk.total_cost, full.total_cost, 1e-6) << "trial " << trial;
    }
  }
}

// Every family's one candidate is practitioner 0 (room for one); the others (room for one each)
// were left out. One search adds every pair the augmenting paths use, so the repair takes one
// more solve, not one a family (a search stopping at its first path added one practitioner a
// round: 60 rounds here).
TEST(NetworkFlow, PrunedSolveRepairsMaximalityInOneRound) {
  const int n = 60;
  std::vector<std::int64_t> cap(n, 1), fam, pr;
  std::vector<double> cost;
  for (int f = 0; f < n; ++f)
    for (int p = 0; p < n; ++p) fam.push_back(f), pr.push_back(p), cost.push_back(p == 0 ? 0.0 : 10.0);
  auto a = assign_min_cost(n, cap.data(), n, fam.data(), pr.data(), cost.data(), fam.size(), 1);
  int assigned = 0;
  for (int f = 0; f < n; ++f) assigned += a.practitioner[f] >= 0;
  EXPECT_EQ(assigned, n);
  EXPECT_NEAR(a.total_cost, 10.0 * (n - 1), 1e-9);
  EXPECT_LE(a.rounds, 3);
}

TEST(NetworkFlow, BadInputThrows) {
  std::vector<std::int64_t> cap{1}, fam{0}, pr{0};
  std::vector<double> cost{-1.0};
  EXPECT_THROW(assign_min_cost(1, cap.data(), 1, fam.data(), pr.data(), cost.data(), 1), earlyhelp::InputError);
  cost[0] = 1.0;
  pr[0] = 3;
  EXPECT_THROW(assign_min_cost(1, cap.data(), 1, fam.data(), pr.data(), cost.data(), 1), earlyhelp::InputError);
}
