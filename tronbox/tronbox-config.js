// TronBox against `dcmx node`, the project's local TRON node (java-tron's HTTP API):
//
//   dcmx node --port 9090
//   DCMX_NODE_URL=http://127.0.0.1:9090 npx tronbox migrate --network development
//
// On a local node TronBox deploys from the node's first funded account, whose keys it reads
// from GET /admin/accounts-json; it still wants a key here, and uses it where that fails.
//
// The compiler: TronBox loads ~/.tronbox/solc/soljson_v<version>.js and downloads it only when
// it is missing. The npm `solc` package pinned beside this file is that very file, so no
// download is needed:
//
//   mkdir -p ~/.tronbox/solc
//   cp node_modules/solc/soljson.js ~/.tronbox/solc/soljson_v$(node -p "require('solc/package.json').version").js
const solc = require('solc/package.json');

// dcmx node's first funded account: a publicly known key, a local chain's only.
const NODE_ACCOUNT_0 = 'a39f0e28a656f8a83bc5189c2217d6d933937ad871811e9937394f9847a9c86c';

module.exports = {
  networks: {
    development: {
      privateKey: process.env.DCMX_PRIVATE_KEY || NODE_ACCOUNT_0,
      fullHost: process.env.DCMX_NODE_URL || 'http://127.0.0.1:8090',
      userFeePercentage: 100,
      feeLimit: 1000 * 1e6,
      network_id: '*'
    }
  },
  compilers: {
    solc: {
      version: solc.version, // 0.8.29: the newest TronBox 4.10 accepts for TRON
      settings: {
        optimizer: { enabled: true, runs: 200 },
        evmVersion: 'cancun'
      }
    }
  }
};
