import {
  BarChart,
  type BarSeriesOption,
  type FunnelSeriesOption,
  type HeatmapSeriesOption,
  type LineSeriesOption,
  type SankeySeriesOption,
} from "echarts/charts";
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from "echarts/components";
import { type ComposeOption, init, use } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { type ReactNode, useEffect, useRef } from "react";

/**
 * ECharts' core with only what the dashboard draws: bars on a grid, with tooltips and legends, drawn as
 * SVG. The series only some pages draw (line, sankey, funnel, heatmap) are registered by those pages, from
 * `charts/*.ts`, so their code loads with the page rather than with the first chart.
 */
use([BarChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

const registered = new Set<string>(["bar"]);

/** Registers a series type (and the components it needs); called by the modules in `charts/`. */
export function registerSeries(type: string, installers: Parameters<typeof use>[0]): void {
  use(installers);
  registered.add(type);
}

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | SankeySeriesOption
  | FunnelSeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | VisualMapComponentOption
>;

/** Says so (a console error, which the browser tests fail on) when a page draws a series it did not register. */
function checkRegistered(option: ChartOption): void {
  const series =
    option.series === undefined ? [] : Array.isArray(option.series) ? option.series : [option.series];
  for (const s of series)
    if (s.type && !registered.has(s.type))
      console.error(
        `chart: the "${s.type}" series is not registered; import "components/charts/${s.type}.js"`,
      );
}

/** The dashboard's palette, calm and distinguishable; also used by the CSS. */
export const PALETTE = [
  "#1f6f8b",
  "#e0a43a",
  "#6a9f58",
  "#b75d69",
  "#7b6fb0",
  "#4aa3a2",
  "#8c8c8c",
  "#c27c3a",
];

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/**
 * One chart. It is an image to assistive technology, labelled by `label`; every chart in the dashboard
 * sits next to a table (or `children`, shown under "Show the data") holding the same numbers.
 */
export function Chart({
  option,
  label,
  height = 320,
  children,
}: {
  option: ChartOption;
  label: string;
  height?: number;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof init> | null>(null);

  useEffect(() => {
    const el = ref.current!;
    const instance = init(el, null, { renderer: "svg" });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    checkRegistered(option);
    chart.current?.setOption(
      { color: PALETTE, textStyle: { fontFamily: FONT }, animationDuration: 300, ...option },
      true,
    );
  }, [option]);

  return (
    <figure className="chart">
      <div ref={ref} className="chart-canvas" role="img" aria-label={label} style={{ height }} />
      {children && (
        <details className="chart-data">
          <summary>Show the data</summary>
          {children}
        </details>
      )}
    </figure>
  );
}
