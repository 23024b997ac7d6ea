#!/usr/bin/env node
// Compile every contracts-abi/src/*.sol (and the test-only contracts: contracts-abi/mocks/*.sol,
// written to <outDir>/mocks/, and the dss-compatible test contracts contracts-abi/dss/*.sol, written
// to <outDir>/dss/) with the pinned solc (npm `solc`, exact version in package.json) through
// standard JSON, one input per folder (source names `<dir>/<file>`, so `./X.sol` imports within a
// folder resolve), and write one artifact per deployable contract:
//   <outDir>/<ContractName>.json = { contractName, abi, bytecode, deployedBytecode, compiler, sourcePath }
// Usage: node scripts/compile.js [outDir]   (default: contracts-abi/artifacts)
// Output is deterministic: sources in sorted order, fixed key order, 2-space JSON, trailing newline,
// metadata hash and CBOR trailer disabled, so recompiling gives byte-identical files.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const outDir = path.resolve(process.argv[2] || path.join(ROOT, 'artifacts'));

// Exact compiler settings, recorded in every artifact.
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 1000000 },
  viaIR: false,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': {
      '': ['ast'],
      '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'],
    },
  },
};

function main() {
  const written = compileDir('src', outDir);
  const mocks = compileDir('mocks', path.join(outDir, 'mocks'));
  const dss = compileDir('dss', path.join(outDir, 'dss'));
  process.stdout.write(
    `compile.js: solc ${solc.version()}: wrote ${written.length} artifacts, ${mocks.length} mocks and ` +
      `${dss.length} dss contracts to ${outDir}\n`,
  );
}

// Compiles ROOT/<dir>/*.sol and writes one artifact per deployable contract to `out`.
function compileDir(dir, out) {
  const from = path.join(ROOT, dir);
  if (!fs.existsSync(from)) return [];
  const files = fs.readdirSync(from).filter((f) => f.endsWith('.sol')).sort();
  if (files.length === 0) throw new Error(`no .sol files in ${from}`);
  const sources = {};
  for (const f of files) {
    sources[`${dir}/${f}`] = { content: fs.readFileSync(path.join(from, f), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: (p) => importFrom(dir, p) }));

  let failed = false;
  for (const e of output.errors || []) {
    process.stderr.write(`${e.formattedMessage || e.message}\n`);
    if (e.severity === 'error') failed = true;
  }
  if (failed) {
    process.stderr.write('compile.js: compilation failed\n');
    process.exit(1);
  }

  fs.mkdirSync(out, { recursive: true });
  const written = [];
  for (const sourcePath of Object.keys(output.contracts).sort()) {
    const deployable = deployableContracts(output.sources[sourcePath].ast);
    for (const name of Object.keys(output.contracts[sourcePath]).sort()) {
      if (!deployable.has(name)) continue;
      const c = output.contracts[sourcePath][name];
      const artifact = {
        contractName: name,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        compiler: { version: solc.version(), settings: SETTINGS },
        sourcePath: `contracts-abi/${sourcePath}`,
      };
      const file = path.join(out, `${name}.json`);
      fs.writeFileSync(file, `${JSON.stringify(artifact, null, 2)}\n`);
      written.push(`${name}.json`);
    }
  }
  return written;
}

// Import callback: every file of the folder is already an input source, so solc asks only for
// anything else. A `<dir>/<name>.sol` file of the same folder is read from disk; every other path
// (another folder, a subfolder, `..`, a library) is refused.
function importFrom(dir, p) {
  const name = p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : null;
  if (name && /^[A-Za-z0-9_.-]+\.sol$/.test(name) && !name.startsWith('.')) {
    const file = path.join(ROOT, dir, name);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `import outside contracts-abi/${dir} not allowed: ${p}` };
}

// Names of the non-abstract `contract`s (not interfaces or libraries) defined in a source unit.
function deployableContracts(ast) {
  const names = new Set();
  for (const node of ast.nodes) {
    if (node.nodeType === 'ContractDefinition' && node.contractKind === 'contract' && !node.abstract) {
      names.add(node.name);
    }
  }
  return names;
}

main();
