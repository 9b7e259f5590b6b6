import { LineChart } from "echarts/charts";
import { registerSeries } from "../chart.js";

registerSeries("line", LineChart);
