"""Run cs-demand-model on its bundled sample SSDA903 data (inside the peer's own venv).

Usage: <peer python> scripts/peer_csdm.py OUT.csv [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--days N]
Writes the predicted daily stocks (date, age_bin, placement_type, stock) and prints one JSON line:
the sample folder, the window, and the seconds the prediction took.
"""
import argparse
import json
import time
from pathlib import Path

import pandas as pd
from dateutil.relativedelta import relativedelta

import cs_demand_model_samples
from cs_demand_model import DemandModellingDataContainer, ModelPredictor, PopulationStats
from cs_demand_model.config import Config
from cs_demand_model.datastore import fs_datastore

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--start")
parser.add_argument("--end")
parser.add_argument("--days", type=int, default=365)
a = parser.parse_args()
folder = Path(cs_demand_model_samples.__file__).parent / "combined"
config = Config()
t0 = time.perf_counter()
dc = DemandModellingDataContainer(fs_datastore(str(folder)), config)
stats = PopulationStats(dc.enriched_view, config)
end = pd.Timestamp(a.end) if a.end else pd.Timestamp(dc.end_date)
start = pd.Timestamp(a.start) if a.start else end - relativedelta(months=6)
t1 = time.perf_counter()
predictor = ModelPredictor.from_model(stats, start, end)
pred = predictor.predict(a.days)
t2 = time.perf_counter()
long = pred.stack().rename("stock").reset_index()
long.columns = ["date", "bin", "stock"]
long["age_bin"] = [b[0] for b in long["bin"]]
long["placement_type"] = [b[1] for b in long["bin"]]
long[["date", "age_bin", "placement_type", "stock"]].to_csv(a.out, index=False)
print(json.dumps({"folder": str(folder), "start": str(start.date()), "end": str(end.date()), "days": a.days,
                  "load_seconds": t1 - t0, "fit_predict_seconds": t2 - t1}))
