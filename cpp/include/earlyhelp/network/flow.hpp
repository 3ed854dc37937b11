#pragma once
// Assignment of families to practitioners with capacities by minimum-cost
// flow: source -> family (capacity 1) -> practitioner (candidate arcs, cost)
// -> sink (capacity = practitioner's spare capacity). Solved as a min-cost
// maximum flow (as many families assigned as capacity allows, then least
// total cost) by the primal-dual method: Dijkstra with potentials, then a
// blocking flow on the zero reduced-cost arcs, so families with equally cheap
// paths are assigned together.
#include <cstdint>
#include <vector>

namespace earlyhelp::network {

struct Assignment {
  std::vector<std::int64_t> practitioner;  // per family: practitioner index or -1
  std::vector<double> cost;                // per family: arc cost, NaN when unassigned
  double total_cost = 0.0;
  std::int64_t phases = 0;                 // Dijkstra rounds, summed over solves (diagnostics)
  std::int64_t rounds = 0;                 // solves on a growing candidate set (1 without pruning)
};

// How the flow is solved. primal_dual suits costs with many ties (whole
// numbers: each phase assigns every family whose cheapest route costs the
// same); cost_scaling (Goldberg's push-relabel) suits costs with few, whose
// work grows with log(n C) instead. automatic takes cost scaling when a
// sample of the costs holds more than 1,000 distinct values (and its prices
// fit 64 bits). Both give a min-cost maximum flow; among equally cheap ones
// they may choose differently.
enum class FlowMethod { automatic, primal_dual, cost_scaling };

// family[i], practitioner[i], cost[i]: candidate arcs (costs finite, >= 0;
// a repeated pair keeps its cheapest cost). capacity: per practitioner,
// >= 0 (0 means none can be assigned to them).
//
// candidates > 0: solve first on each family's `candidates` cheapest arcs,
// then price the others against the solution's node potentials and its
// residual network: arcs that would lower the cost (negative reduced cost) or
// let more families through (an augmenting path) are added and the problem is
// solved again, until none is left. The answer is then a min-cost maximum
// flow over ALL the arcs, as without pruning, only faster.
// candidates == 0: every arc from the start.
// candidates < 0 (kAutomaticCandidates): chosen by method. Cost scaling
// starts from each family's 16 cheapest (when families have more than 32
// arcs on average) and, after two rounds of pricing that still add arcs,
// takes every arc (up to 5,000,000 arcs; beyond, pricing goes on); the
// primal-dual method takes every arc up to 5,000,000, else the 40 cheapest.
constexpr std::int64_t kAutomaticCandidates = -1;
Assignment assign_min_cost(std::int64_t n_families, const std::int64_t* capacity, std::int64_t n_practitioners,
                           const std::int64_t* family, const std::int64_t* practitioner, const double* cost,
                           std::size_t m, std::int64_t candidates = 0,
                           FlowMethod method = FlowMethod::automatic);

}  // namespace earlyhelp::network
