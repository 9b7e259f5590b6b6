import { HeatmapChart } from "echarts/charts";
import { VisualMapContinuousComponent } from "echarts/components";
import { registerSeries } from "../chart.js";

// The heatmap's colour scale is a continuous visual map (min to max), never a piecewise one.
registerSeries("heatmap", [HeatmapChart, VisualMapContinuousComponent]);
