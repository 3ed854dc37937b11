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
  std::int64_t phases = 0;                 // Dijkstra rounds (diagnostics)
};

// family[i], practitioner[i], cost[i]: candidate arcs (costs finite, >= 0;
// a repeated pair keeps its cheapest cost). capacity: per practitioner,
// >= 0 (0 means none can be assigned to them).
Assignment assign_min_cost(std::int64_t n_families, const std::int64_t* capacity, std::int64_t n_practitioners,
                           const std::int64_t* family, const std::int64_t* practitioner, const double* cost,
                           std::size_t m);

}  // namespace earlyhelp::network
