// Validates Kubernetes manifests against Kubernetes' own schemas, offline.
//
//   helm template ... | node deploy/k8s-schema/validate.mjs
//
// Reads a YAML stream (what `helm template` prints) on stdin and checks every document with the JSON schemas
// that kubernetes-models generates from Kubernetes' OpenAPI documents (core and apps APIs) and from the
// Prometheus Operator's CRDs (ServiceMonitor): types, required fields, enums, formats and patterns. A document
// whose apiVersion and kind have no schema here (a misspelt API group, version or kind) is an
// error too.
//
// Prints one JSON line per document, {"apiVersion","kind","name","errors":[{"path","message"}]}, and exits 1 if
// any document has errors, 2 if the input is not YAML. The schemas do not reject unknown fields; the chart
// tests find those with the fabric8 model (RenderedManifests.unknownFields).
import { readFileSync } from "node:fs";
import { loadAll, YAML11_SCHEMA } from "js-yaml";

// Group -> package holding its models. Everything else is in kubernetes-models.
const PACKAGES = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const pkg = PACKAGES[group] ?? "kubernetes-models";
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    const model = (await import(path))[kind];
    return typeof model === "function" ? model : undefined;
  } catch {
    return undefined;
  }
}

let documents;
try {
  // Kubernetes reads manifests as YAML 1.1 (yes/no/on/off are booleans), like Helm writes them.
  documents = loadAll(readFileSync(0, "utf8"), undefined, { schema: YAML11_SCHEMA }).filter((d) => d != null);
} catch (e) {
  console.error(`not YAML: ${e.message}`);
  process.exit(2);
}

let invalid = 0;
for (const doc of documents) {
  const apiVersion = String(doc.apiVersion ?? "");
  const kind = String(doc.kind ?? "");
  const result = { apiVersion, kind, name: doc.metadata?.name ?? null, errors: [] };
  const Model = apiVersion && kind ? await modelFor(apiVersion, kind) : undefined;
  if (!Model) {
    result.errors.push({ path: "", message: `no schema for apiVersion ${apiVersion || "(none)"} kind ${kind || "(none)"}` });
  } else {
    try {
      new Model(doc).validate();
    } catch (e) {
      const details = Array.isArray(e.errors) ? e.errors : [{ instancePath: "", message: e.message }];
      for (const d of details) {
        const extra = d.params?.allowedValues ? ` (${d.params.allowedValues.join(", ")})` : "";
        result.errors.push({ path: d.instancePath ?? "", message: `${d.message}${extra}` });
      }
    }
  }
  if (result.errors.length > 0) {
    invalid++;
  }
  console.log(JSON.stringify(result));
}
process.exit(invalid > 0 ? 1 : 0);
