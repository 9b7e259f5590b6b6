import {
  BarChart,
  type BarSeriesOption,
  FunnelChart,
  type FunnelSeriesOption,
  HeatmapChart,
  type HeatmapSeriesOption,
  LineChart,
  type LineSeriesOption,
  SankeyChart,
  type SankeySeriesOption,
} from "echarts/charts";
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
  VisualMapComponent,
  type VisualMapComponentOption,
} from "echarts/components";
import { type ComposeOption, init, use } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { type ReactNode, useEffect, useRef } from "react";

// Only what the dashboard draws, so the bundle carries no more of ECharts than that.
use([
  BarChart,
  LineChart,
  SankeyChart,
  FunnelChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  SVGRenderer,
]);

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
