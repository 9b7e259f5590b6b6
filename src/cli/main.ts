#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { AccessError } from "../access/users.js";
import { ReportParamError } from "../analysis/params.js";
import { SourceError } from "../sources/sources.js";
import { WarehouseLockedError } from "../warehouse/duckdb.js";
import { automationCheck, automationDryRun, automationLog, automationSummary } from "./automation.js";
import { checkCatalog } from "./catalog.js";
import { customerReport } from "./customer.js";
import { customersErase, customersExport } from "./customers.js";
import { demo } from "./demo.js";
import { importFile } from "./import.js";
import { report } from "./report.js";
import { CliError, parsePort } from "./runtime.js";
import { serve } from "./serve.js";
import { sourcesAdd, sourcesList, sourcesRevoke, sourcesRotate } from "./sources.js";
import { surveysLink, surveysList } from "./surveys.js";
import { tokensCreate, tokensList, tokensRevoke } from "./tokens.js";
import { usersAdd, usersList, usersRemove } from "./users.js";

const DB_HELP = "warehouse file (default ./touchpoint.duckdb, or $TOUCHPOINT_DB)";
const RULES_HELP =
  "automation rules to run (default ./automation.yml if present; otherwise automation is off)";
const PLAYBOOK_ARG = "automation rules (default ./automation.yml if present, else the built-in playbook)";
const CATALOG_HELP = "the journey map (default ./touchpoints.yml if present, else the built-in catalog)";

const port = (v: string) => {
  try {
    return parsePort(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const program = new Command()
  .name("touchpoint")
  .description(
    "Customer touchpoints: collect, map, measure and act on every touchpoint of the customer journey.",
  )
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

program
  .command("serve")
  .description("serve the tracking API (/v1/*) and the query API on one port")
  .option("--db <file>", DB_HELP)
  .option("--port <n>", "port (default 8080, or $TOUCHPOINT_PORT; 0 picks a free one)", port)
  .option("--host <h>", "address to listen on (default 127.0.0.1, or $TOUCHPOINT_HOST)")
  .option("--catalog <file>", CATALOG_HELP)
  .option("--rules <file>", RULES_HELP)
  .option("--no-automation", "do not run the automation rules")
  .action((o) => serve(o));

program
  .command("demo")
  .description(
    "fill the warehouse with a simulated business (through the real ingestion path), then serve it",
  )
  .option("--db <file>", DB_HELP)
  .option("--customers <n>", "simulated customers", "20000")
  .option("--seed <s>", "simulation seed", "1")
  .option("--no-serve", "build the demo warehouse and exit")
  .option("--port <n>", "port (default 8080, or $TOUCHPOINT_PORT; 0 picks a free one)", port)
  .option("--host <h>", "address to listen on (default 127.0.0.1, or $TOUCHPOINT_HOST)")
  .option("--catalog <file>", CATALOG_HELP)
  .option("--rules <file>", RULES_HELP)
  .option("--no-automation", "do not run the automation rules")
  .action((o) => demo(o));

program
  .command("report <kind> [customer]")
  .description(
    "run one analysis: journey-map, gaps, funnel, paths, attribution, retention, clv, feedback, customer ID",
  )
  .option("--db <file>", DB_HELP)
  .option("--catalog <file>", CATALOG_HELP)
  .option("--from <date>", "start date (YYYY-MM-DD or ISO-8601), inclusive")
  .option("--to <date>", "end date, exclusive")
  .option("--segment <conditions>", "only these customers, e.g. 'clv > 500 or did checkout within 30d'")
  .option(
    "--lookback <duration>",
    "attribution lookback before a conversion (journey-map, gaps, attribution)",
  )
  .option("--model <names...>", "attribution: models (space- or comma-separated); clv: bgnbd or pareto_nbd")
  .option("--all", "attribution: every model")
  .option(
    "--by <key>",
    "attribution: channel (default) or touchpoint; feedback: touchpoint, channel or stage",
  )
  .option("--period <unit>", "feedback: trend by week or month (default); retention: week (default) or month")
  .option("--cohort <basis>", "retention: cohorts by first_seen (default) or first_goal")
  .option("--return <rule>", "retention: active means any event (default), goal, touchpoint:ID or event:NAME")
  .option("--periods <n>", "retention: offsets shown (default 8 weeks or 6 months)")
  .option("--detractors <n>", "feedback: detractor answers listed (default 50)")
  .option(
    "--order <k>",
    "attribution: order of the Markov chain, 1–4 (default 1); funnel: ordered (default), strict or any",
  )
  .option("--steps <steps>", 'funnel: the steps, e.g. "product_page, checkout?, Order Completed within 2d"')
  .option("--window <duration>", "funnel: first to last step at most (default 14d)")
  .option("--exclude <steps>", "funnel: steps that end a customer's progress between two steps")
  .option("--breakdown <field>", "funnel: split by the first step's channel, source, … or property.PATH")
  .option("--start <touchpoint>", "paths: each sequence from its first touch of this touchpoint on")
  .option("--end <touchpoint>", "paths: each sequence up to its last touch of this touchpoint")
  .option("--depth <n>", "paths: touchpoints kept per sequence (default 5)")
  .option("--min-share <share>", "paths: Sankey flows under this share are grouped as Other (default 0.01)")
  .option(
    "--session-gap <duration>",
    "paths with --unit session: inactivity that starts a session (default 30m)",
  )
  .option("--half-life <duration>", "attribution: half-life of time_decay (default 7d)")
  .option("--paths <file>", "attribution: read a path summary file instead of the warehouse")
  .option(
    "--unit <unit>",
    "clv: time unit of frequency, recency and T: day or week; paths: customer (default) or session",
  )
  .option("--horizon <duration>", "clv: horizon of the expected purchases (default 90d)")
  .option("--months <n>", "clv: CLV horizon in months (default 12)")
  .option("--discount <rate>", "clv: monthly discount rate (default 0.01)")
  .option("--holdout-from <date>", "clv: fit before this date and check predictions after it")
  .option(
    "--limit <n>",
    "clv: customers listed (default 100, or all); customer: timeline events (default 50); funnel: breakdown values (default 10); paths: top paths (default 20)",
  )
  .option("--rfm <file>", "clv: read an RFM summary file instead of the warehouse")
  .option("--save", "clv: store every customer's prediction for customer profiles")
  .option("--search <query>", "customer: find customers by id, email or trait")
  .option("--json", "print the report as JSON")
  .option("--csv", "print the report as CSV")
  .action((kind, customer, o) => (kind === "customer" ? customerReport(customer, o) : report(kind, o)));

const catalog = program.command("catalog").description("the journey map as code");
catalog
  .command("check <file>")
  .description("validate a catalog file; errors name the line")
  .action((file) => checkCatalog(file));

const customers = program
  .command("customer")
  .alias("customers")
  .description("privacy: export or erase one customer's data");
customers
  .command("export <customer>")
  .description("print everything stored about the customer as JSON (audited)")
  .option("--db <file>", DB_HELP)
  .option("--catalog <file>", CATALOG_HELP)
  .action((id, o) => customersExport(id, o));
customers
  .command("erase <customer>")
  .description("erase the customer's events under every id, identity links and saved scores (audited)")
  .option("--yes", "confirm: an erasure cannot be undone")
  .option("--db <file>", DB_HELP)
  .action((id, o) => customersErase(id, o));

const surveys = program.command("surveys").description("surveys: the hosted page and signed links");
surveys
  .command("link <survey>")
  .description("print a signed link to the hosted survey page for one customer (one answer per link)")
  .requiredOption("--customer <id>", "the customer's id (their userId)")
  .option("--expires <duration>", "how long the link stays valid (default 30d)")
  .option("--base-url <url>", "the server's public address (default http://HOST:PORT of the config)")
  .option("--db <file>", DB_HELP)
  .option("--catalog <file>", CATALOG_HELP)
  .action((survey, o) => surveysLink(survey, o));
surveys
  .command("list")
  .description("list the catalog's surveys")
  .option("--catalog <file>", CATALOG_HELP)
  .action((o) => surveysList(o));

const sources = program.command("sources").description("sources of touchpoints and their write keys");
sources
  .command("add <name>")
  .description("create a source; prints its write key alone on the last line")
  .option("--db <file>", DB_HELP)
  .option(
    "--kind <kind>",
    "web, app, server, pos, support, call-center, chat, email, sms, survey, loyalty, sales, events",
    "web",
  )
  .action((name, o) => sourcesAdd(name, o));
sources
  .command("list")
  .description("list sources (write keys are never shown again, only a hint)")
  .option("--db <file>", DB_HELP)
  .option("--json", "print JSON")
  .action((o) => sourcesList(o));
sources
  .command("rotate <name>")
  .description("give the source a new write key; the old one stops working at once (printed once)")
  .option("--db <file>", DB_HELP)
  .action((name, o) => sourcesRotate(name, o));
sources
  .command("revoke <name>")
  .description("revoke the source's write key: its clients get 401")
  .option("--db <file>", DB_HELP)
  .action((name, o) => sourcesRevoke(name, o));

program
  .command("import <file>")
  .description(
    "bulk load Segment messages from NDJSON, or rows from CSV, with the same validation as the API",
  )
  .option("--db <file>", DB_HELP)
  .option("--format <format>", "ndjson or csv (default: from the file name)")
  .option("--source <name>", "the source the rows came from (default: a source named import)")
  .option(
    "--map <mapping>",
    'CSV: field=column pairs, e.g. "event=Action,userId=Customer,properties.revenue=Amount"',
  )
  .option("--type <type>", "CSV: the message type of each row", "track")
  .action((file, o) => importFile(file, o));

const tokens = program.command("tokens").description("API tokens for the query API and the dashboard");
tokens
  .command("create")
  .description("create a token (shown once, stored hashed)")
  .option("--db <file>", DB_HELP)
  .option("--role <role>", "read or admin", "read")
  .option("--name <name>", "a name to recognise it by")
  .action((o) => tokensCreate(o));
tokens
  .command("list")
  .description("list tokens: id, name, role, the first characters, created and revoked")
  .option("--db <file>", DB_HELP)
  .option("--json", "print JSON")
  .action((o) => tokensList(o));
tokens
  .command("revoke <id>")
  .description("revoke a token (by the id `tokens list` shows) and end its dashboard sessions")
  .option("--db <file>", DB_HELP)
  .action((id, o) => tokensRevoke(id, o));

const automation = program
  .command("automation")
  .description("follow-ups triggered by touchpoints: check rules, dry-run them on history, read the run log");
automation
  .command("check [rules]")
  .description(`validate automation rules against the catalog; [rules]: ${PLAYBOOK_ARG}`)
  .option("--catalog <file>", CATALOG_HELP)
  .action((file, o) => automationCheck(file, o));
automation
  .command("dry-run [rules]")
  .description(
    `on past events: who each rule would have triggered, when, and with what outcome; [rules]: ${PLAYBOOK_ARG}`,
  )
  .option("--db <file>", DB_HELP)
  .option("--catalog <file>", CATALOG_HELP)
  .option("--from <date>", "start of the range (YYYY-MM-DD or ISO-8601), required")
  .option("--to <date>", "end of the range, exclusive (default now)")
  .option("--rule <id>", "only this rule")
  .option("--limit <n>", "occurrences listed (default 100; all are counted)")
  .option("--json", "print the report as JSON")
  .action((file, o) => automationDryRun(file, o));
automation
  .command("log")
  .description("the run log: every job with its status, attempts and last error")
  .option("--db <file>", DB_HELP)
  .option("--rule <id>", "only this rule")
  .option(
    "--status <status>",
    "only this status (scheduled, sending, sent, held_out, skipped, suppressed, failed)",
  )
  .option("--customer <id>", "only this customer")
  .option("--limit <n>", "jobs listed (default 50)")
  .option("--json", "print JSON")
  .action((o) => automationLog(o));
automation
  .command("report [rules]")
  .description(
    `per rule: jobs by status, conversion of treated vs held-out customers, lift; [rules]: ${PLAYBOOK_ARG}`,
  )
  .option("--db <file>", DB_HELP)
  .option("--catalog <file>", CATALOG_HELP)
  .option("--json", "print JSON")
  .action((file, o) => automationSummary(file, o));

const users = program.command("users").description("dashboard users who sign in with a password");
users
  .command("add <name>")
  .description("add a user; the password is read from $TOUCHPOINT_PASSWORD or the first line of stdin")
  .option("--db <file>", DB_HELP)
  .option("--role <role>", "read or admin", "read")
  .action((name, o) => usersAdd(name, o));
users
  .command("list")
  .description("list users and their roles")
  .option("--db <file>", DB_HELP)
  .option("--json", "print JSON")
  .action((o) => usersList(o));
users
  .command("remove <name>")
  .description("remove a user and end their sessions")
  .option("--db <file>", DB_HELP)
  .action((name, o) => usersRemove(name, o));

// `touchpoint … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const known =
    err instanceof CliError ||
    err instanceof AccessError ||
    err instanceof SourceError ||
    err instanceof WarehouseLockedError ||
    err instanceof ReportParamError;
  process.stderr.write(`error: ${(err as Error).message}\n`);
  if (!known && process.env.TOUCHPOINT_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
}
