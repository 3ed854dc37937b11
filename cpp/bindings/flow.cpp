// earlyhelp._core.flow: converts numpy arrays for the stock-flow projection
// and the Monte Carlo simulation, and releases the GIL around both.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"
#include "numpy.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {
namespace {

using DArr = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IArr = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

template <class T>
std::vector<T> vec(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return std::vector<T>(a.data(), a.data() + a.size());
}

template <class T>
void shape(const py::array_t<T, py::array::c_style | py::array::forcecast>& a, std::vector<py::ssize_t> want,
           const char* name) {
  bool ok = a.ndim() == static_cast<py::ssize_t>(want.size());
  for (std::size_t i = 0; ok && i < want.size(); ++i) ok = a.shape(i) == want[i];
  if (!ok) {
    std::string w = "(";
    for (std::size_t i = 0; i < want.size(); ++i) w += (i ? ", " : "") + std::to_string(want[i]);
    throw InputError(std::string(name) + " must have shape " + w + ")");
  }
}

py::array_t<double> project(const DArr& rates, const DArr& entrants, const DArr& initial, const IArr& regime_of_day,
                            const IArr& cap_group, const IArr& cap_days, const std::vector<DArr>& initial_elapsed,
                            const std::vector<DArr>& cap_survival) {
  if (rates.ndim() != 3) throw InputError("rates must have shape (regimes, n, n) or (regimes, n, n + 1)");
  flow::Projection m;
  m.n_regimes = static_cast<int>(rates.shape(0));
  m.n_states = static_cast<int>(rates.shape(1));
  if (rates.shape(2) != m.n_states && rates.shape(2) != m.n_states + 1)
    throw InputError("rates must have shape (regimes, n, n) or (regimes, n, n + 1)");
  m.exits_column = rates.shape(2) == m.n_states + 1;
  shape(entrants, {m.n_regimes, m.n_states}, "entrants");
  shape(initial, {m.n_states}, "initial");
  m.rates = vec(rates);
  m.entrants = vec(entrants);
  auto x0 = vec(initial);
  auto regimes = vec(regime_of_day);
  m.cap_group = vec(cap_group);
  m.cap_days = vec(cap_days);
  for (const auto& h : initial_elapsed) m.initial_elapsed.push_back(vec(h));
  for (const auto& h : cap_survival) m.cap_survival.push_back(vec(h));
  std::vector<double> out;
  {
    py::gil_scoped_release release;
    out = flow::project(m, x0, regimes);
  }
  py::array_t<double> arr({static_cast<py::ssize_t>(regimes.size() + 1), static_cast<py::ssize_t>(m.n_states)});
  std::copy(out.begin(), out.end(), arr.mutable_data());
  return arr;
}

py::tuple simulate(const DArr& hazard, const DArr& dest, const DArr& entry_shape, const DArr& entry_rate,
                   const DArr& entry_age_lo, const DArr& entry_age_hi, const DArr& age_edges, const DArr& dur_edges,
                   double max_age, const DArr& entry_mult, const DArr& move_mult, const DArr& max_duration,
                   const DArr& unit_cost, const IArr& open_state, const DArr& open_birth, const DArr& open_entered,
                   int days, const IArr& period_ends, const IArr& regime_of_day, const DArr& cost_factor,
                   double cost_quantum, uint64_t seed, int64_t first_run, int64_t runs, int threads,
                   py::object progress, const DArr& entry_trend, const DArr& entry_dispersion,
                   const DArr& entry_drift, const DArr& entry_season, const DArr& hazard_shape,
                   const DArr& hazard_rate, const DArr& dest_weight, const DArr& rate_change, bool keep_runs,
                   const DArr& entry_add, const DArr& open_stay_entered) {
  if (hazard.ndim() != 3) throw InputError("hazard must have shape (states, age bands, duration bins)");
  const auto S = hazard.shape(0), A = hazard.shape(1), D = hazard.shape(2);
  shape(dest, {S, A, S + 1}, "dest");
  for (const auto* a : {&entry_shape, &entry_rate, &entry_age_lo, &entry_age_hi}) shape(*a, {S, A}, "entry arrays");
  shape(age_edges, {A}, "age_edges");
  shape(dur_edges, {D}, "dur_edges");
  if (entry_mult.ndim() != 3) throw InputError("entry_mult must have shape (regimes, states, age bands)");
  const auto K = entry_mult.shape(0);
  shape(entry_mult, {K, S, A}, "entry_mult");
  shape(move_mult, {K, S, S + 1}, "move_mult");
  if (open_birth.size() != open_state.size() || open_entered.size() != open_state.size())
    throw InputError("open_state, open_birth and open_entered must have the same length");
  if (open_stay_entered.size() > 0 && open_stay_entered.size() != open_state.size())
    throw InputError("open_stay_entered must be empty or as long as open_state");
  flow::SimModel m;
  m.n_states = static_cast<int>(S);
  m.n_regimes = static_cast<int>(K);
  m.hazard = vec(hazard);
  m.dest = vec(dest);
  m.entry_shape = vec(entry_shape);
  m.entry_rate = vec(entry_rate);
  m.entry_age_lo = vec(entry_age_lo);
  m.entry_age_hi = vec(entry_age_hi);
  m.age_edges = vec(age_edges);
  m.dur_edges = vec(dur_edges);
  m.max_age = max_age;
  m.entry_mult = vec(entry_mult);
  if (entry_add.size() > 0) shape(entry_add, {K, S, A}, "entry_add");
  m.entry_add = vec(entry_add);
  m.move_mult = vec(move_mult);
  m.max_duration = vec(max_duration);
  m.unit_cost = vec(unit_cost);
  if (entry_trend.size() > 0) shape(entry_trend, {S, 5}, "entry_trend");
  m.entry_trend = vec(entry_trend);
  if (entry_dispersion.size() > 0) shape(entry_dispersion, {S}, "entry_dispersion");
  m.entry_dispersion = vec(entry_dispersion);
  if (entry_drift.size() > 0) shape(entry_drift, {S}, "entry_drift");
  m.entry_drift = vec(entry_drift);
  if (hazard_shape.size() > 0 || hazard_rate.size() > 0) {
    shape(hazard_shape, {S, A, D}, "hazard_shape");
    shape(hazard_rate, {S, A, D}, "hazard_rate");
  }
  m.hazard_shape = vec(hazard_shape);
  m.hazard_rate = vec(hazard_rate);
  if (dest_weight.size() > 0) shape(dest_weight, {S, A, S + 1}, "dest_weight");
  m.dest_weight = vec(dest_weight);
  if (rate_change.size() > 0) shape(rate_change, {2}, "rate_change");
  m.rate_change = vec(rate_change);
  std::vector<flow::OpenCase> open(open_state.size());
  for (py::ssize_t i = 0; i < open_state.size(); ++i)
    open[i] = {open_state.data()[i], open_birth.data()[i], open_entered.data()[i],
               open_stay_entered.size() > 0 ? open_stay_entered.data()[i] : NAN};
  flow::SimOptions o;
  o.days = days;
  o.period_ends = vec(period_ends);
  o.regime_of_day = vec(regime_of_day);
  if (entry_season.size() > 0) shape(entry_season, {static_cast<py::ssize_t>(period_ends.size()) + 1, S}, "entry_season");
  o.entry_season = vec(entry_season);
  o.cost_factor = vec(cost_factor);
  o.cost_quantum = cost_quantum;
  o.seed = seed;
  o.first_run = first_run;
  o.runs = runs;
  o.threads = threads;
  o.keep_runs = keep_runs;
  flow::SimResult r;
  {
    PythonProgress reporter(progress);  // without a bar too: it is what stops the run on Ctrl-C
    py::gil_scoped_release release;
    r = flow::simulate(m, open, o, &reporter);
  }
  if (!keep_runs) return py::make_tuple(std::move(r.stocks), std::move(r.costs), std::move(r.entrants));
  const py::ssize_t periods = r.stocks.periods(), series = r.stocks.series();
  auto run_stocks = bindings::to_numpy(std::move(r.run_stocks)).reshape({static_cast<py::ssize_t>(runs), periods, series});
  auto run_costs = bindings::to_numpy(std::move(r.run_costs)).reshape({static_cast<py::ssize_t>(runs), periods});
  return py::make_tuple(std::move(r.stocks), std::move(r.costs), std::move(r.entrants), run_stocks, run_costs);
}

py::array_t<int64_t> to_flat(const flow::Bands& b) {
  auto flat = b.to_flat();
  py::array_t<int64_t> arr(static_cast<py::ssize_t>(flat.size()));
  std::copy(flat.begin(), flat.end(), arr.mutable_data());
  return arr;
}

flow::Bands from_flat(const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& a) {
  return flow::Bands::from_flat(std::vector<int64_t>(a.data(), a.data() + a.size()));
}

}  // namespace

void register_flow(py::module_& m) {
  py::class_<flow::Bands>(m, "Bands", "Per-period integer histograms of simulated outcomes (mergeable).")
      .def_property_readonly("periods", &flow::Bands::periods)
      .def_property_readonly("series", &flow::Bands::series)
      .def(
          "quantiles",
          [](const flow::Bands& b, const DArr& qs) {
            py::array_t<double> out({static_cast<py::ssize_t>(b.periods()), static_cast<py::ssize_t>(b.series()),
                                     static_cast<py::ssize_t>(qs.size())});
            double* o = out.mutable_data();
            for (int p = 0; p < b.periods(); ++p)
              for (int s = 0; s < b.series(); ++s)
                for (py::ssize_t q = 0; q < qs.size(); ++q)
                  *o++ = static_cast<double>(b.quantile(p, s, qs.data()[q]));
            return out;
          },
          py::arg("q"), "Array (periods, series, len(q)) of quantiles.")
      .def(
          "means",
          [](const flow::Bands& b) {
            py::array_t<double> out({static_cast<py::ssize_t>(b.periods()), static_cast<py::ssize_t>(b.series())});
            double* o = out.mutable_data();
            for (int p = 0; p < b.periods(); ++p)
              for (int s = 0; s < b.series(); ++s) *o++ = b.mean(p, s);
            return out;
          },
          "Array (periods, series) of means over runs.")
      .def("runs", &flow::Bands::runs, py::arg("period"), py::arg("series"))
      .def("merge", &flow::Bands::merge, py::arg("other"), "Add another set of runs' histograms to these.")
      .def(py::pickle([](const flow::Bands& b) { return py::object(to_flat(b)); },
                      [](const py::object& a) {
                        return from_flat(a.cast<py::array_t<int64_t, py::array::c_style | py::array::forcecast>>());
                      }));
  m.def("project", &project, py::arg("rates"), py::arg("entrants"), py::arg("initial"), py::arg("regime_of_day"),
        py::arg("cap_group") = IArr(0), py::arg("cap_days") = IArr(0),
        py::arg("initial_elapsed") = std::vector<DArr>{}, py::arg("cap_survival") = std::vector<DArr>{},
        "Deterministic daily stock-flow projection; returns (days + 1, n) stocks. Optional duration caps: "
        "cap_group (n,) the capped group of each bin or -1, cap_days per group, initial_elapsed per group "
        "(cap + 1 values: initial stock by days already spent, then the stock at or past the cap), "
        "cap_survival per group (cap values: the chance of staying another day after u days).");
  m.def("simulate", &simulate, py::arg("hazard"), py::arg("dest"), py::arg("entry_shape"), py::arg("entry_rate"),
        py::arg("entry_age_lo"), py::arg("entry_age_hi"), py::arg("age_edges"), py::arg("dur_edges"),
        py::arg("max_age"), py::arg("entry_mult"), py::arg("move_mult"), py::arg("max_duration"),
        py::arg("unit_cost"), py::arg("open_state"), py::arg("open_birth"), py::arg("open_entered"), py::arg("days"),
        py::arg("period_ends"), py::arg("regime_of_day"), py::arg("cost_factor"), py::arg("cost_quantum"),
        py::arg("seed"), py::arg("first_run"), py::arg("runs"), py::arg("threads") = 1,
        py::arg("progress") = py::none(), py::arg("entry_trend") = DArr(0), py::arg("entry_dispersion") = DArr(0),
        py::arg("entry_drift") = DArr(0), py::arg("entry_season") = DArr(0), py::arg("hazard_shape") = DArr(0),
        py::arg("hazard_rate") = DArr(0), py::arg("dest_weight") = DArr(0), py::arg("rate_change") = DArr(0),
        py::arg("keep_runs") = false, py::arg("entry_add") = DArr(0), py::arg("open_stay_entered") = DArr(0),
        "Monte Carlo simulation of individual children; returns (stocks, costs, entrants) Bands. "
        "entry_trend (states, 5), optional: per state (a, b, L00, L10, L11) of a log-linear entry rate "
        "exp(alpha + beta t) a day, (alpha, beta) = (a, b) + L z drawn per run; NaN a: not trended. "
        "entry_dispersion (states,), optional: variance of a gamma multiplier (mean 1) of each state's entry "
        "rate drawn per run and period. entry_drift (states,), optional: variance of each period's normal "
        "step of a random walk of the log entry rate (mean-corrected). entry_season (periods + 1, states), optional: entry rate multipliers "
        "by period, the last row for the days after the last period end. hazard_shape, hazard_rate "
        "(states, age bands, duration bins), optional: each run draws the hazards from these gamma posteriors; "
        "dest_weight (states, age bands, states + 1), optional: each run draws the destinations from this "
        "Dirichlet. rate_change (2,), optional: variances of the log year-to-year change of each "
        "state's hazards and of each destination's weight, drawn per run (mean-one lognormal factors). keep_runs: also return each run's outcome, run_stocks (runs, periods, series) int32 and "
        "run_costs (runs, periods) int64 in cost quanta, runs in order. entry_add (regimes, states, age bands), "
        "optional: children a day a scenario adds in each regime (Poisson at the cells' entry ages; not drawn, "
        "trended, seasonal, overdispersed or drifting; a negative amount comes off the cell's rate). "
        "open_stay_entered (open cases,), optional: the day each open case's stay in its state began (at or "
        "before open_entered, the day its episode began: earlier after a move between episodes of one state); "
        "max_duration counts from it (default: open_entered).");
}

}  // namespace earlyhelp::bindings
