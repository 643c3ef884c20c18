import { parseDatabaseUrl } from "../src/db/database-url.js";
import { migrate } from "../src/db/migrate.js";
import { configFromEnvironment } from "./cli-config.js";

const location = parseDatabaseUrl(configFromEnvironment().DATABASE_URL);
await migrate(location);
console.log(`schema applied to ${location.database}`);
