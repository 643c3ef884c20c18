import { type Config, parseEnv } from "../src/env.js";

/** The server's config for a command-line tool: one line per bad variable, then exit 1. */
export function configFromEnvironment(): Config {
  const parsed = parseEnv(process.env);
  if (parsed.ok) return parsed.config;
  for (const line of parsed.errors) console.error(`Invalid configuration: ${line}`);
  process.exit(1);
}
