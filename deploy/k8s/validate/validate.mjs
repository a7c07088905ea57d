// Validates rendered Kubernetes manifests (YAML on stdin, e.g. `kubectl kustomize deploy/k8s/overlays/cluster`) against
// the Kubernetes API's OpenAPI schemas (npm kubernetes-models, and its KEDA and Prometheus Operator models for those
// custom resources). Prints one JSON object: every object's kind/name and the problems found, and the objects themselves
// as JSON ("rendered", for the tests that check the manifests against the code); exits 1 when any problem was found.
// build/fetch-k8s-models.sh installs its packages next to it.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "" ? `kubernetes-models/${version}`
    : packages[group] ? `${packages[group]}/${group}/${version}` : `kubernetes-models/${group}/${version}`;
  let models;
  try {
    models = await import(module);
  } catch {
    return null;
  }
  return models[kind] ?? null;
}

const documents = parseAllDocuments(readFileSync(0, "utf8"));
const objects = [];
const rendered = [];
let problems = 0;
for (const document of documents) {
  if (document.errors.length) {
    objects.push({ kind: "?", name: "?", problems: document.errors.map(e => e.message) });
    problems++;
    continue;
  }
  const value = document.toJS();
  if (!value) continue;
  rendered.push(value);
  const entry = { kind: `${value.apiVersion}/${value.kind}`, name: value.metadata?.name ?? "?", problems: [] };
  const Model = await modelFor(value.apiVersion ?? "", value.kind ?? "");
  if (!Model) entry.problems.push(`no schema known for ${entry.kind}`);
  else {
    try {
      new Model(value).validate();
    } catch (e) {
      entry.problems.push(String(e.message ?? e));
    }
  }
  problems += entry.problems.length;
  objects.push(entry);
}
console.log(JSON.stringify({ objects: objects.length, problems, details: objects, rendered }));
process.exit(problems === 0 ? 0 : 1);
