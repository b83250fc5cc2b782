// `tronbox test` against dcmx node: TronBox migrates afresh, then runs these with mocha. The
// node hands TronBox its funded accounts (GET /admin/accounts-json, as TRON Quickstart does).
const Greeter = artifacts.require('Greeter');

contract('Greeter', function (accounts) {
  let greeter;

  before(async function () {
    greeter = await Greeter.deployed();
  });

  it('has the node accounts', function () {
    assert.isAtLeast(accounts.length, 2);
    assert.isTrue(accounts.every((account) => tronWeb.isAddress(account)));
  });

  it('is deployed by the first account with its first greeting', async function () {
    assert.equal(await greeter.greeting(), 'Hello from TronBox');
    assert.equal(await greeter.owner(), tronWeb.address.toHex(accounts[0]));
  });

  it('lets its owner change the greeting', async function () {
    const txid = await greeter.greet('Hello, dcmx node');
    const info = await waitForTransactionReceipt(txid);
    assert.equal(info.receipt.result, 'SUCCESS');
    assert.equal(info.log.length, 1);
    assert.equal(await greeter.greeting(), 'Hello, dcmx node');
  });

  it('reverts a change by anyone else', async function () {
    const txid = await greeter.greet('Not yours', { from: accounts[1] });
    const info = await waitForTransactionReceipt(txid);
    assert.equal(info.receipt.result, 'REVERT');
    assert.equal(await greeter.greeting(), 'Hello, dcmx node');
  });
});
