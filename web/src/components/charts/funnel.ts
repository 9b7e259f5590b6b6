import { FunnelChart } from "echarts/charts";
import { registerSeries } from "../chart.js";

registerSeries("funnel", FunnelChart);
