// Hardhat Network as an independent EVM node for the end-to-end tests (tests/hardhat_node.py).
// Nothing is compiled with Hardhat: the contracts are built by contracts/compile.py, so no
// `solidity` section. Cancun, like the contracts' evmVersion; 31337 is Hardhat's own chain id.
/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: "cancun",
    },
  },
};
