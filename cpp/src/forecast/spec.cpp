// Model names and ETS letters as users write them (statsforecast's spelling),
// turned into the enums the models dispatch on.
#include <array>
#include <string>
#include <utility>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/models.hpp"

namespace earlyhelp::forecast {

namespace {

constexpr std::array<std::pair<ModelKind, const char*>, 8> kNames{{
    {ModelKind::Naive, "Naive"},
    {ModelKind::SeasonalNaive, "SeasonalNaive"},
    {ModelKind::AutoETS, "AutoETS"},
    {ModelKind::Theta, "Theta"},
    {ModelKind::OptimizedTheta, "OptimizedTheta"},
    {ModelKind::CrostonOptimized, "CrostonOptimized"},
    {ModelKind::TSB, "TSB"},
    {ModelKind::CountRegression, "CountRegression"},
}};

EtsComponent component(char letter, const char* allowed, const char* what) {
  require(letter != '\0' && std::string(allowed).find(letter) != std::string::npos,
          std::string("ETS ") + what + " must be one of " + allowed + ", got '" + std::string(1, letter) + "'");
  return static_cast<EtsComponent>(letter);
}

}  // namespace

ModelKind model_kind(const std::string& name) {
  std::string known;
  for (const auto& [kind, text] : kNames) {
    if (name == text) return kind;
    known += std::string(known.empty() ? "" : ", ") + text;
  }
  throw InputError("unknown model kind '" + name + "'; choose one of " + known);
}

const char* model_name(ModelKind kind) {
  for (const auto& [k, text] : kNames)
    if (k == kind) return text;
  return "unknown";
}

EtsSpec ets_spec(const std::string& letters, std::optional<bool> damped) {
  require(letters.size() == 3, "ETS model must have three letters (error, trend, season), got '" + letters + "'");
  EtsSpec spec;
  spec.error = component(letters[0], "AMZ", "error");
  spec.trend = component(letters[1], "ANZ", "trend");
  spec.season = component(letters[2], "AMNZ", "season");
  spec.damped = damped;
  return spec;
}

}  // namespace earlyhelp::forecast
