#!/usr/bin/env node
// Compile every contracts-abi/src/*.sol (and the test-only contracts in contracts-abi/mocks/*.sol,
// written to <outDir>/mocks/) with the pinned solc (npm `solc`, exact version in
// package.json) through standard JSON, and write one artifact per deployable contract:
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
  process.stdout.write(
    `compile.js: solc ${solc.version()}: wrote ${written.length} artifacts and ${mocks.length} mocks to ${outDir}\n`,
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
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (p) => ({ error: `import outside contracts-abi/src not allowed: ${p}` }),
    }),
  );

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
