import { SankeyChart } from "echarts/charts";
import { registerSeries } from "../chart.js";

registerSeries("sankey", SankeyChart);
