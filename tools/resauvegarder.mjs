// Re-save BPMN and DMN files as bpmn.io / dmn-js / Camunda Modeler do: read with bpmn-moddle / dmn-moddle (their
// own libraries), write back. The output is what a modeler produces after « open, save » without any change.
//
//   node tools/resauvegarder.mjs SOURCE_DIR DEST_DIR   every *.bpmn and *.dmn of SOURCE_DIR
//   node tools/resauvegarder.mjs SOURCE_FILE DEST_FILE
//   node tools/resauvegarder.mjs --defauts             the schemas' attribute defaults, as JSON
//
// The libraries come from node_modules (`npm install`) or, without it, from
//   npm exec --yes --package=bpmn-moddle@VERSION --package=dmn-moddle@VERSION -- node tools/resauvegarder.mjs …
// (versions of package.json), which never installs the DSFR and so needs no licence.
// Exits 1 if a file cannot be read or the library warns (it would drop or change something).
import { readFileSync, writeFileSync, readdirSync, statSync, mkdirSync, existsSync } from 'node:fs';
import { join, extname, dirname, delimiter } from 'node:path';
import { pathToFileURL } from 'node:url';

// `npm exec` puts its packages' node_modules/.bin on PATH but not on the module path: look there too.
async function load(name) {
  try {
    return await import(name);
  } catch (err) {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    for (const bin of (process.env.PATH || '').split(delimiter)) {
      const dir = join(dirname(bin), name);
      if (bin.endsWith(join('node_modules', '.bin')) && existsSync(join(dir, 'package.json'))) {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const entry = (pkg.exports && pkg.exports['.']) || pkg.module || pkg.main || 'index.js';
        return import(pathToFileURL(join(dir, typeof entry === 'string' ? entry : entry.default)).href);
      }
    }
    throw new Error(`${name} introuvable : lancez \`npm install\` ou passez par \`npm exec --package=${name}@…\``);
  }
}

const { BpmnModdle } = await load('bpmn-moddle');
const { DmnModdle } = await load('dmn-moddle');
const MODDLES = { '.bpmn': () => new BpmnModdle(), '.dmn': () => new DmnModdle() };

async function resave(source, destination) {
  const moddle = MODDLES[extname(source)]();
  const { rootElement, warnings } = await moddle.fromXML(readFileSync(source, 'utf8'));
  if (warnings.length) {
    throw new Error(`${source}: ${warnings.map((w) => w.message).join('; ')}`);
  }
  const { xml } = await moddle.toXML(rootElement, { format: true });
  writeFileSync(destination, xml.endsWith('\n') ? xml : xml + '\n', 'utf8');
}

// Every attribute with a default, per schema: moddle writes an attribute only when it differs from its default.
function defaults() {
  const rows = [];
  for (const moddle of [new BpmnModdle(), new DmnModdle()]) {
    for (const pkg of moddle.registry.packages) {
      for (const type of pkg.types || []) {
        for (const prop of type.properties || []) {
          if ('default' in prop && prop.isAttr) {
            rows.push({ uri: pkg.uri, type: type.name, attribut: prop.name, defaut: String(prop.default) });
          }
        }
      }
    }
  }
  return rows;
}

const [source, destination] = process.argv.slice(2);
try {
  if (source === '--defauts') {
    console.log(JSON.stringify(defaults()));
  } else if (!source || !destination) {
    console.error('usage: node tools/resauvegarder.mjs SOURCE DESTINATION | --defauts');
    process.exit(2);
  } else if (statSync(source).isDirectory()) {
    mkdirSync(destination, { recursive: true });
    for (const name of readdirSync(source).sort()) {
      if (MODDLES[extname(name)]) await resave(join(source, name), join(destination, name));
    }
  } else {
    await resave(source, destination);
  }
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
