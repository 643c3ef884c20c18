import { writeFile } from "node:fs/promises";
import { openApiDocument } from "../src/openapi-document.js";

const target = new URL("../openapi/openapi.json", import.meta.url);
await writeFile(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log("wrote openapi/openapi.json");
