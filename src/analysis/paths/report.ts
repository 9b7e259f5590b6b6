import { type Static, Type } from "@sinclair/typebox";

const Rate = Type.Union([Type.Number(), Type.Null()]);

export const TopPath = Type.Object({
  path: Type.Array(Type.String(), { description: "touchpoint ids in time order, repeats collapsed" }),
  names: Type.Array(Type.String(), { description: "the touchpoints' names from the catalog" }),
  count: Type.Integer({ description: "sequences whose truncated path is this one" }),
  share: Type.Number({ description: "count / sequences" }),
  conversions: Type.Integer({
    description: "of those, the sequences with a goal at or after the path's first step (--end: its last)",
  }),
  conversionRate: Rate,
});

export const SankeyNode = Type.Object({
  id: Type.String({ description: "`step:touchpoint`, or `step:other` for the flows grouped per step" }),
  step: Type.Integer({ description: "1-based; with --end the end touchpoint is the last step (= depth)" }),
  touchpoint: Type.Union([Type.String(), Type.Null()], { description: "null for the `other` group" }),
  name: Type.String({ description: "the touchpoint's name, or Other" }),
  other: Type.Boolean({ description: "the group of flows under --min-share at this step" }),
  value: Type.Integer({ description: "sequences passing through the node" }),
  conversions: Type.Integer({ description: "of those, converting sequences" }),
  entries: Type.Integer({
    description: "sequences that begin at this node: value minus the incoming links' sum",
  }),
  dropOff: Type.Integer({
    description: "sequences that end at this node: value minus the outgoing links' sum",
  }),
});

export const SankeyLink = Type.Object({
  source: Type.String({ description: "a node id of step k" }),
  target: Type.String({ description: "a node id of step k + 1" }),
  value: Type.Integer({ description: "sequences going from source to target" }),
});

export const PathsReport = Type.Object({
  from: Type.Union([Type.Number(), Type.Null()], { description: "epoch ms, inclusive" }),
  to: Type.Union([Type.Number(), Type.Null()], { description: "epoch ms, exclusive" }),
  unit: Type.Union([Type.Literal("customer"), Type.Literal("session")]),
  sessionGapSeconds: Type.Union([Type.Number(), Type.Null()], {
    description: "with unit session: a gap longer than this between two events starts a new session",
  }),
  start: Type.Union([Type.String(), Type.Null()], { description: "--start touchpoint id" }),
  end: Type.Union([Type.String(), Type.Null()], { description: "--end touchpoint id" }),
  depth: Type.Integer({ description: "steps kept per sequence" }),
  minShare: Type.Number({ description: "flows carrying fewer sequences than this share are grouped" }),
  sequences: Type.Integer({
    description: "customers or sessions with at least one touchpoint (and, with --start/--end, that one)",
  }),
  conversions: Type.Integer({ description: "converting sequences" }),
  distinctPaths: Type.Integer({ description: "distinct truncated paths" }),
  paths: Type.Array(TopPath, { description: "the most frequent paths (--limit), most frequent first" }),
  sankey: Type.Object({ nodes: Type.Array(SankeyNode), links: Type.Array(SankeyLink) }),
});

export type TopPath = Static<typeof TopPath>;
export type SankeyNode = Static<typeof SankeyNode>;
export type SankeyLink = Static<typeof SankeyLink>;
export type PathsReport = Static<typeof PathsReport>;
