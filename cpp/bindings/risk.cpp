// Bindings for earlyhelp._core.risk: GLMs, isotonic regression, Platt scaling.
// Arrays arrive as C-contiguous float64 and are mapped, not copied; the work
// runs with the GIL released.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "earlyhelp/risk/calibration.hpp"
#include "earlyhelp/risk/glm.hpp"
#include "numpy.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {
namespace {

using Array = DoubleArray;
using risk::RowMatrix;

py::dict to_dict(const risk::GlmResult& r) {
  py::dict d;
  d["coef"] = to_numpy(r.coef);
  d["intercept"] = r.intercept;
  d["n_iter"] = r.n_iter;
  d["converged"] = r.converged;
  d["objective"] = r.objective;
  d["gradient_norm"] = r.gradient_norm;
  d["solver"] = r.solver;
  d["feature_means"] = to_numpy(r.feature_means);
  if (r.covariance.size() > 0) d["covariance"] = py::cast(r.covariance);
  else d["covariance"] = py::none();
  return d;
}

using FitFn = risk::GlmResult (*)(risk::ConstRowMatrixRef, risk::ConstVectorRef, risk::ConstVectorRef,
                                  const risk::GlmOptions&, Progress*);

py::dict fit(FitFn fn, const Array& X, const Array& y, const Array& w, const risk::GlmOptions& options,
             py::object progress) {
  auto Xm = as_matrix(X, "X");
  auto ym = as_vector(y, "y");
  auto wm = as_vector(w, "sample_weight");
  risk::GlmResult r;
  {
    PythonProgress reporter(std::move(progress));
    py::gil_scoped_release release;
    r = fn(Xm, ym, wm, options, &reporter);
  }
  return to_dict(r);
}

void register_options(py::module_& m) {
  py::class_<risk::GlmOptions>(m, "GlmOptions", "Penalty, intercept, convergence and solver of a GLM fit.")
      .def(py::init([](double lam, double l1_ratio, bool fit_intercept, double tol, int max_iter,
                       std::string solver, int n_threads, bool compute_covariance) {
             return risk::GlmOptions{lam, l1_ratio, fit_intercept, tol, max_iter,
                                     std::move(solver), n_threads, compute_covariance};
           }),
           py::arg("lam") = 1.0, py::arg("l1_ratio") = 0.0, py::arg("fit_intercept") = true, py::arg("tol") = 1e-8,
           py::arg("max_iter") = 100, py::arg("solver") = "auto", py::arg("n_threads") = 0,
           py::arg("compute_covariance") = true)
      .def_readwrite("lam", &risk::GlmOptions::lambda)
      .def_readwrite("l1_ratio", &risk::GlmOptions::l1_ratio)
      .def_readwrite("fit_intercept", &risk::GlmOptions::fit_intercept)
      .def_readwrite("tol", &risk::GlmOptions::tol)
      .def_readwrite("max_iter", &risk::GlmOptions::max_iter)
      .def_readwrite("solver", &risk::GlmOptions::solver)
      .def_readwrite("n_threads", &risk::GlmOptions::n_threads)
      .def_readwrite("compute_covariance", &risk::GlmOptions::compute_covariance);
}

using PredictFn = void (*)(risk::ConstRowMatrixRef, risk::ConstVectorRef, double, risk::VectorRef, int);

py::array_t<double> predict(PredictFn fn, const Array& X, const Array& coef, double intercept, int n_threads) {
  auto Xm = as_matrix(X, "X");
  auto c = as_vector(coef, "coef");
  py::array_t<double> out(Xm.rows());
  Eigen::Map<Eigen::VectorXd> o(out.mutable_data(), Xm.rows());
  {
    py::gil_scoped_release release;
    fn(Xm, c, intercept, o, n_threads);
  }
  return out;
}

}  // namespace

void register_risk(py::module_& m) {
  const char* fit_doc =
      "Fit a penalised GLM. Objective: sum_i s_i loss_i + lam * (0.5 (1 - l1_ratio) |w|^2 + l1_ratio |w|_1),\n"
      "intercept unpenalised. Returns a dict: coef, intercept, n_iter, converged, objective,\n"
      "gradient_norm, solver, covariance (inverse Hessian, order coef..., intercept), feature_means.";
  register_options(m);
  for (const auto& [name, solver] : {std::pair{"fit_logistic", &risk::fit_logistic},
                                      std::pair{"fit_poisson", &risk::fit_poisson}}) {
    m.def(
        name,
        [solver = solver](const Array& X, const Array& y, const Array& w, const risk::GlmOptions& options,
                          py::object progress) { return fit(solver, X, y, w, options, std::move(progress)); },
        fit_doc, py::arg("X"), py::arg("y"), py::arg("sample_weight"), py::arg("options"),
        py::arg("progress") = py::none());
  }
  m.def("linear_predictor",
        [](const Array& X, const Array& coef, double b, int t) { return predict(&risk::linear_predictor, X, coef, b, t); },
        "X @ coef + intercept", py::arg("X"), py::arg("coef"), py::arg("intercept"), py::arg("n_threads") = 0);
  m.def("predict_logistic_proba",
        [](const Array& X, const Array& coef, double b, int t) {
          auto Xm = as_matrix(X, "X");
          auto c = as_vector(coef, "coef");
          py::array_t<double> out({Xm.rows(), Eigen::Index(2)});
          Eigen::Map<RowMatrix> o(out.mutable_data(), Xm.rows(), 2);
          {
            py::gil_scoped_release release;
            risk::predict_logistic_proba(Xm, c, b, o, t);
          }
          return out;
        },
        "(n, 2) array of (1 - p, p), p = 1 / (1 + exp(-(X @ coef + intercept)))", py::arg("X"), py::arg("coef"),
        py::arg("intercept"), py::arg("n_threads") = 0);
  m.def("predict_poisson",
        [](const Array& X, const Array& coef, double b, int t) { return predict(&risk::predict_poisson, X, coef, b, t); },
        "exp(X @ coef + intercept)", py::arg("X"), py::arg("coef"), py::arg("intercept"), py::arg("n_threads") = 0);
  m.def("fit_isotonic",
        [](const Array& x, const Array& y, const Array& w, bool increasing) {
          auto xm = as_vector(x, "x");
          auto ym = as_vector(y, "y");
          auto wm = as_vector(w, "weight");
          risk::IsotonicFit f;
          {
            py::gil_scoped_release release;
            f = risk::fit_isotonic(xm, ym, wm, increasing);
          }
          return py::make_tuple(to_numpy(f.x), to_numpy(f.y));
        },
        "Weighted isotonic regression; returns (knots_x, knots_y).", py::arg("x"), py::arg("y"),
        py::arg("weight"), py::arg("increasing") = true);
  m.def("predict_isotonic",
        [](const Array& kx, const Array& ky, const Array& x) {
          risk::IsotonicFit f;
          f.x = as_vector(kx, "knots_x");
          f.y = as_vector(ky, "knots_y");
          require(f.x.size() == f.y.size(), "knots_x and knots_y differ in length");
          auto xm = as_vector(x, "x");
          py::array_t<double> out(xm.size());
          Eigen::Map<Eigen::VectorXd> o(out.mutable_data(), xm.size());
          {
            py::gil_scoped_release release;
            risk::predict_isotonic(f, xm, o);
          }
          return out;
        },
        "Interpolate an isotonic fit, clipped at the ends.", py::arg("knots_x"), py::arg("knots_y"), py::arg("x"));
  m.def("fit_platt",
        [](const Array& s, const Array& y, const Array& w) {
          auto sm = as_vector(s, "score");
          auto ym = as_vector(y, "y");
          auto wm = as_vector(w, "weight");
          risk::PlattFit f;
          {
            py::gil_scoped_release release;
            f = risk::fit_platt(sm, ym, wm);
          }
          return py::make_tuple(f.a, f.b);
        },
        "Platt scaling: returns (a, b) with p = 1 / (1 + exp(-(a * score + b))).", py::arg("score"), py::arg("y"),
        py::arg("weight"));
}

}  // namespace earlyhelp::bindings
