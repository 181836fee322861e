// Calls App Router route handlers in Node with crafted requests, one case after another, and prints the
// responses as one JSON array. Usage: node http_runner.mjs PROJECT_DIR PLAN_JSON_FILE
// A case's url and body may name an earlier case's JSON response: `{create.data.id}`.
import { readFileSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [projectDir, planFile] = process.argv.slice(2);
register("./ts_loader.mjs", import.meta.url, { data: { projectDir } });

const plan = JSON.parse(readFileSync(planFile, "utf8"));
const answered = {};

function lookup(caseId, dotted) {
  let value = answered[caseId];
  for (const key of dotted.split(".")) {
    value = value == null ? undefined : value[key];
  }
  return value;
}

function fill(text) {
  return typeof text === "string"
    ? text.replace(/\{(\w[\w-]*)\.([\w.]+)\}/g, (whole, caseId, dotted) => String(lookup(caseId, dotted) ?? whole))
    : text;
}

// The dynamic segments of a route (`app/api/v1/projects/[id]`) read from the request's path.
function paramsFor(route, url) {
  const names = route.split("/");
  const parts = new URL(url).pathname.split("/");
  const params = {};
  names.forEach((name, index) => {
    const found = /^\[(\.\.\.)?(\w+)\]$/.exec(name);
    if (found) {
      params[found[2]] = found[1] ? parts.slice(index).map(decodeURIComponent) : decodeURIComponent(parts[index] ?? "");
    }
  });
  return params;
}

const results = [];
for (const item of plan.cases) {
  const result = { id: item.id };
  try {
    const module = await import(pathToFileURL(path.join(projectDir, item.file)).href);
    const handler = module[item.method];
    if (typeof handler !== "function") {
      result.error = `${item.file} exports no ${item.method} handler`;
    } else {
      const init = { method: item.method, headers: item.headers };
      if (item.body != null) {
        init.body = fill(item.body);
      }
      const url = fill(item.url);
      const response = await handler(new Request(url, init), { params: Promise.resolve(paramsFor(item.route, url)) });
      result.status = response.status;
      result.content_type = response.headers.get("content-type");
      result.body = await response.text();
      try {
        answered[item.id] = JSON.parse(result.body);
      } catch {
        answered[item.id] = null;
      }
    }
  } catch (error) {
    result.error = String(error?.stack ?? error).split("\n").slice(0, 3).join("\n");
  }
  results.push(result);
}
try {
  const db = await import(pathToFileURL(path.join(projectDir, "lib/db.ts")).href);
  await db.closeDb?.();
} catch {
  // a project without lib/db.ts has no pool to close
}
process.stdout.write(JSON.stringify(results));
process.exit(0);
