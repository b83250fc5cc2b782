#!/usr/bin/env node
// A `solc` executable for py-solc-x, backed by the npm solc package (solcjs).
// py-solc-x only ever runs `solc --version` and `solc --standard-json [paths]` with standard
// JSON on stdin; this answers both. Imports resolve against --base-path and --include-path,
// the working directory, and this folder's node_modules (for @openzeppelin/contracts).
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

function main(argv) {
  if (argv.includes("--version")) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!argv.includes("--standard-json")) {
    process.stderr.write("solc-shim: only --version and --standard-json are supported\n");
    process.exitCode = 2;
    return;
  }
  const roots = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--base-path" || argv[i] === "--include-path" || argv[i] === "--allow-paths") {
      roots.push(...argv[i + 1].split(","));
      i++;
    }
  }
  roots.push(process.cwd(), path.join(__dirname, "node_modules"), __dirname);
  const findImports = (wanted) => {
    for (const root of roots) {
      const candidate = path.resolve(root, wanted);
      if (fs.existsSync(candidate)) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: `File not found: ${wanted}` };
  };
  const input = fs.readFileSync(0, "utf8");
  // Write and return: process.exit() right after a write truncates output on a pipe.
  process.stdout.write(solc.compile(input, { import: findImports }));
}

main(process.argv.slice(2));
