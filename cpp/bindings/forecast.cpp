// earlyhelp._core.forecast: the model specs as classes and enums, and the
// many-series runner (cpp/src/forecast/); converts arrays, releases the GIL.
#include <pybind11/stl.h>

#include <optional>

#include "earlyhelp/forecast/models.hpp"
#include "numpy.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

namespace {

// Series concatenated in y and split by indptr, viewed in place.
std::vector<forecast::Series> as_series(const DoubleArray& y, const IdArray& indptr, int h,
                                        const std::optional<DoubleArray>& X,
                                        const std::optional<DoubleArray>& X_future,
                                        const std::optional<IdArray>& phase0) {
  require_1d(y, "y");
  require_1d(indptr, "indptr");
  require(indptr.size() >= 1, "indptr needs at least one entry");
  require(h >= 1, "forecast horizon h must be at least 1");
  const auto n_series = static_cast<std::size_t>(indptr.size() - 1);
  const auto* ptr = indptr.data();
  require(ptr[0] == 0 && ptr[n_series] == y.size(), "indptr must run from 0 to len(y)");
  std::size_t n_exog = 0;
  if (X) {
    require(X->ndim() == 2 && X->shape(0) == y.size(), "X must have one row per observation");
    n_exog = static_cast<std::size_t>(X->shape(1));
    require(X_future && X_future->ndim() == 2 &&
                X_future->shape(0) == static_cast<py::ssize_t>(n_series * h) &&
                X_future->shape(1) == static_cast<py::ssize_t>(n_exog),
            "X_future must have h rows per series and the columns of X");
  }
  if (phase0) {
    require_1d(*phase0, "phase0");
    require(phase0->size() == static_cast<py::ssize_t>(n_series), "phase0 needs one entry per series");
  }
  std::vector<forecast::Series> series(n_series);
  for (std::size_t i = 0; i < n_series; ++i) {
    require(ptr[i + 1] > ptr[i] && ptr[i + 1] <= y.size(),
            "indptr must increase: every series needs at least one observation");
    auto& s = series[i];
    s.y = y.data() + ptr[i];
    s.n = static_cast<std::size_t>(ptr[i + 1] - ptr[i]);
    if (X) {
      s.X = X->data() + ptr[i] * n_exog;
      s.X_future = X_future->data() + i * h * n_exog;
      s.n_exog = n_exog;
    }
    s.phase0 = phase0 ? static_cast<int>(phase0->data()[i]) : 0;
  }
  return series;
}

py::dict to_python(const std::vector<forecast::Forecast>& out, const IdArray& indptr, py::ssize_t n_obs, int h,
                   std::size_t n_levels) {
  const auto S = static_cast<py::ssize_t>(out.size());
  const auto L = static_cast<py::ssize_t>(n_levels);
  py::array_t<double> mean({S, static_cast<py::ssize_t>(h)});
  py::array_t<double> lo({S, L, static_cast<py::ssize_t>(h)});
  py::array_t<double> hi({S, L, static_cast<py::ssize_t>(h)});
  py::array_t<double> fitted(n_obs);
  py::array_t<bool> fallback(S);
  py::array_t<double> loglik(S);
  py::array_t<double> aicc(S);
  py::array_t<double> params({S, static_cast<py::ssize_t>(4)});
  py::list method;
  for (py::ssize_t i = 0; i < S; ++i) {
    const auto& f = out[static_cast<std::size_t>(i)];
    std::copy(f.mean.begin(), f.mean.end(), mean.mutable_data() + i * h);
    std::copy(f.lo.begin(), f.lo.end(), lo.mutable_data() + i * L * h);
    std::copy(f.hi.begin(), f.hi.end(), hi.mutable_data() + i * L * h);
    std::copy(f.fitted.begin(), f.fitted.end(), fitted.mutable_data() + indptr.data()[i]);
    fallback.mutable_data()[i] = f.fallback;
    loglik.mutable_data()[i] = f.loglik;
    aicc.mutable_data()[i] = f.aicc;
    std::copy(f.params.begin(), f.params.end(), params.mutable_data() + 4 * i);
    method.append(f.method);
  }
  py::dict result;
  result["mean"] = mean;
  result["lo"] = lo;
  result["hi"] = hi;
  result["fitted"] = fitted;
  result["method"] = method;
  result["fallback"] = fallback;
  result["loglik"] = loglik;
  result["aicc"] = aicc;
  result["params"] = params;
  return result;
}

py::dict forecast_series(const forecast::ModelSpec& spec, const DoubleArray& y, const IdArray& indptr, int h,
                         const std::vector<double>& levels, const std::optional<DoubleArray>& X,
                         const std::optional<DoubleArray>& X_future, const std::optional<IdArray>& phase0,
                         int n_threads, py::object progress, bool fitted) {
  auto series = as_series(y, indptr, h, X, X_future, phase0);
  forecast::ModelSpec run = spec;
  run.fitted = fitted;
  std::vector<forecast::Forecast> out;
  {
    PythonProgress reporter(std::move(progress));
    py::gil_scoped_release release;
    out = forecast::forecast_many(series, run, h, levels, n_threads, &reporter);
  }
  return to_python(out, indptr, y.size(), h, levels.size());
}

void register_specs(py::module_& m) {
  py::enum_<forecast::ModelKind>(m, "ModelKind", "The models, named as statsforecast names them.")
      .value("Naive", forecast::ModelKind::Naive)
      .value("SeasonalNaive", forecast::ModelKind::SeasonalNaive)
      .value("AutoETS", forecast::ModelKind::AutoETS)
      .value("Theta", forecast::ModelKind::Theta)
      .value("OptimizedTheta", forecast::ModelKind::OptimizedTheta)
      .value("CrostonOptimized", forecast::ModelKind::CrostonOptimized)
      .value("TSB", forecast::ModelKind::TSB)
      .value("CountRegression", forecast::ModelKind::CountRegression);
  m.def("model_kind", &forecast::model_kind, py::arg("name"),
        "The ModelKind called `name` (e.g. 'AutoETS'); CoreInputError naming the kinds otherwise.");

  py::enum_<forecast::EtsComponent>(m, "EtsComponent", "One component of an ETS model; `choose`: by AICc.")
      .value("additive", forecast::EtsComponent::additive)
      .value("multiplicative", forecast::EtsComponent::multiplicative)
      .value("none", forecast::EtsComponent::none)
      .value("choose", forecast::EtsComponent::choose);

  py::class_<forecast::EtsSpec>(m, "EtsSpec", "The ETS models AutoETS may choose from.")
      .def(py::init([](forecast::EtsComponent error, forecast::EtsComponent trend, forecast::EtsComponent season,
                       std::optional<bool> damped) {
             return forecast::EtsSpec{error, trend, season, damped};
           }),
           py::arg("error") = forecast::EtsComponent::choose, py::arg("trend") = forecast::EtsComponent::choose,
           py::arg("season") = forecast::EtsComponent::choose, py::arg("damped") = py::none())
      .def_static("from_letters", &forecast::ets_spec, py::arg("letters"), py::arg("damped") = py::none(),
                  "From statsforecast's letters, error/trend/season, e.g. 'ZZZ' or 'AAN'.")
      .def_readwrite("error", &forecast::EtsSpec::error)
      .def_readwrite("trend", &forecast::EtsSpec::trend)
      .def_readwrite("season", &forecast::EtsSpec::season)
      .def_readwrite("damped", &forecast::EtsSpec::damped);

  py::class_<forecast::ModelSpec>(m, "ModelSpec", "What to fit, and the settings the kind uses.")
      .def(py::init([](forecast::ModelKind kind, int season_length, const forecast::EtsSpec& ets, double alpha_d,
                       double alpha_p, int n_sim, std::uint64_t seed) {
             return forecast::ModelSpec{kind, season_length, ets, alpha_d, alpha_p, n_sim, seed, /*fitted=*/true};
           }),
           py::arg("kind"), py::arg("season_length") = 12, py::arg("ets") = forecast::EtsSpec{},
           py::arg("alpha_d") = 0.1, py::arg("alpha_p") = 0.1, py::arg("n_sim") = 2000, py::arg("seed") = 0)
      .def_readwrite("kind", &forecast::ModelSpec::kind)
      .def_readwrite("season_length", &forecast::ModelSpec::season_length)
      .def_readwrite("ets", &forecast::ModelSpec::ets)
      .def_readwrite("alpha_d", &forecast::ModelSpec::alpha_d)
      .def_readwrite("alpha_p", &forecast::ModelSpec::alpha_p)
      .def_readwrite("n_sim", &forecast::ModelSpec::n_sim)
      .def_readwrite("seed", &forecast::ModelSpec::seed);
}

}  // namespace

void register_forecast(py::module_& m) {
  register_specs(m);
  m.def("forecast_series", &forecast_series, py::arg("spec"), py::arg("y"), py::arg("indptr"), py::arg("h"),
        py::arg("levels"), py::arg("X") = py::none(), py::arg("X_future") = py::none(),
        py::arg("phase0") = py::none(), py::arg("n_threads") = 2, py::arg("progress") = py::none(),
        py::arg("fitted") = true,
        "Fit one model to many series (concatenated in y, split by indptr) and forecast h "
        "steps. Returns dict(mean (S, h), lo/hi (S, len(levels), h), fitted (len(y),), "
        "method list, fallback (S,), loglik (S,), aicc (S,), params (S, 4): alpha, beta, gamma, phi).");
}

}  // namespace earlyhelp::bindings
