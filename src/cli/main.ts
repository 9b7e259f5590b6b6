#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { SourceError } from "../sources/sources.js";
import { WarehouseLockedError } from "../warehouse/duckdb.js";
import { importFile } from "./import.js";
import { CliError, parsePort } from "./runtime.js";
import { serve } from "./serve.js";
import { sourcesAdd, sourcesList } from "./sources.js";
import { tokensCreate } from "./tokens.js";

const DB_HELP = "warehouse file (default ./touchpoint.duckdb, or $TOUCHPOINT_DB)";

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
  .action((o) => serve(o));

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

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const known = err instanceof CliError || err instanceof SourceError || err instanceof WarehouseLockedError;
  process.stderr.write(`error: ${(err as Error).message}\n`);
  if (!known && process.env.TOUCHPOINT_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
}
