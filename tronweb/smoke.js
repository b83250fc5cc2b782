#!/usr/bin/env node
// TronWeb 6, unmodified, against a TRON node (dcmx node): blocks, accounts, TRX, a contract
// deployed, called and sent to, its events read once solidified, refusals, what a transfer and
// a contract call cost, and Stake 2.0 (freeze, delegate, read resources, unfreeze).
//
//   node tronweb/smoke.js [URL] [PRIVATE_KEY]    (or DCMX_NODE_URL, DCMX_PRIVATE_KEY)
//
// Prints one JSON line per step ({"step": ..., "ok": true, ...}); on the first failure prints
// {"step": ..., "ok": false, "error": ...} and exits 1. The key's account must hold some TRX.
'use strict';

const fs = require('fs');
const path = require('path');
const { TronWeb } = require('tronweb');

const URL = process.argv[2] || process.env.DCMX_NODE_URL || 'http://127.0.0.1:8090';
const KEY = process.argv[3] || process.env.DCMX_PRIVATE_KEY;
const ARTIFACT = path.join(__dirname, '..', 'contracts', 'build', 'PlainERC20.json');
const TRX = 1_000_000;
const FEE_LIMIT = 1_000 * TRX;
const WAIT_MS = 30_000;
const POLL_MS = 200;

class StepFailed extends Error {}
class Reported extends Error {}

function check(condition, message, details) {
    if (!condition) {
        throw new StepFailed(details === undefined ? message : `${message}: ${JSON.stringify(details)}`);
    }
}

function describe(error) {
    if (error && error.response) {
        // An HTTP error from axios: the status and the node's body say what went wrong.
        return `HTTP ${error.response.status} ${error.config && error.config.url}: ${JSON.stringify(error.response.data)}`;
    }
    if (error instanceof Error) return error.message;
    return typeof error === 'string' ? error : JSON.stringify(error);
}

async function step(name, body) {
    const started = Date.now();
    let details;
    try {
        details = (await body()) || {};
    } catch (error) {
        console.log(JSON.stringify({ step: name, ok: false, error: describe(error), ms: Date.now() - started }));
        throw new Reported(name);
    }
    console.log(JSON.stringify({ step: name, ok: true, ms: Date.now() - started, ...details }));
    return details;
}

/** A block's number: java-tron leaves proto3 zeros out, so the genesis block has none. */
const numberOf = (block) => block.block_header.raw_data.number || 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chain parameters by name (a zero one has no value, as java-tron prints it). */
async function chainParameters(tronWeb) {
    const listed = await tronWeb.trx.getChainParameters();
    return Object.fromEntries(listed.map((p) => [p.key, p.value || 0]));
}

/** Sign and broadcast a transaction TronWeb built; its info once mined. */
async function signAndSend(tronWeb, transaction, what) {
    const signed = await tronWeb.trx.sign(transaction);
    const sent = await tronWeb.trx.sendRawTransaction(signed);
    check(sent.result === true, `${what} not broadcast`, sent);
    return mined(tronWeb, sent.txid);
}

/** The transaction's info from the full node: it exists once its block is mined. */
function mined(tronWeb, txid) {
    return until(`transaction ${txid} mined`, async () => {
        const info = await tronWeb.trx.getUnconfirmedTransactionInfo(txid);
        return Object.keys(info).length ? info : null;
    });
}

async function until(what, probe) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        const found = await probe();
        if (found) return found;
        if (Date.now() > deadline) throw new StepFailed(`${what} not seen within ${WAIT_MS} ms`);
        await sleep(POLL_MS);
    }
}

/** The transaction's info from the solidity node: it exists once its block is solidified. */
function solidified(tronWeb, txid) {
    return until(`transaction ${txid} solidified`, async () => {
        const info = await tronWeb.trx.getTransactionInfo(txid);
        return Object.keys(info).length ? info : null;
    });
}

async function main() {
    check(KEY, 'a funded private key is needed (argv[3] or DCMX_PRIVATE_KEY)');
    const tronWeb = new TronWeb({ fullHost: URL, privateKey: KEY });
    const owner = tronWeb.defaultAddress;
    const artifact = JSON.parse(fs.readFileSync(ARTIFACT, 'utf8'));
    const state = {};

    await step('isConnected', async () => {
        const connected = await tronWeb.isConnected();
        check(connected.fullNode && connected.solidityNode && connected.eventServer, 'not connected', connected);
        return { connected };
    });

    await step('getNowBlock', async () => {
        const block = await tronWeb.trx.getCurrentBlock();
        check(/^[0-9a-f]{64}$/.test(block.blockID), 'no blockID', block);
        state.block = block;
        return { number: numberOf(block), blockID: block.blockID };
    });

    await step('getBlock', async () => {
        const number = numberOf(state.block);
        const byNumber = await tronWeb.trx.getBlock(number);
        const byHash = await tronWeb.trx.getBlockByHash(state.block.blockID);
        check(byNumber.blockID === state.block.blockID, 'getBlock(number) is another block', byNumber);
        check(numberOf(byHash) === number, 'getBlockByHash is another block', byHash);
        const confirmed = await tronWeb.trx.getConfirmedCurrentBlock();
        check(numberOf(confirmed) <= number + 1, 'solidified above the head', confirmed);
        const last = Math.min(number, 5);
        const range = await tronWeb.trx.getBlockRange(0, last);
        check(range.length === last + 1 && range.every((b, i) => numberOf(b) === i), 'getBlockRange', range);
        return { solidified: numberOf(confirmed) };
    });

    await step('getAccount', async () => {
        const account = await tronWeb.trx.getAccount(owner.base58);
        check(account.address === owner.hex, 'another address', account);
        check(account.balance > 0, 'no balance', account);
        const balance = await tronWeb.trx.getBalance(owner.base58);
        check(balance === account.balance, 'getBalance differs from getAccount', { balance, account });
        const unconfirmed = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
        check(unconfirmed === balance, 'the unconfirmed balance differs', { unconfirmed, balance });
        state.balance = balance;
        return { address: owner.base58, balance };
    });

    await step('getAccountResources', async () => {
        const resources = await tronWeb.trx.getAccountResources(owner.base58);
        check(resources.freeNetLimit > 0, 'no free bandwidth', resources);
        const bandwidth = await tronWeb.trx.getBandwidth(owner.base58);
        check(bandwidth > 0, 'no bandwidth', bandwidth);
        const parameters = await tronWeb.trx.getChainParameters();
        const energyFee = parameters.find((p) => p.key === 'getEnergyFee');
        check(energyFee, 'no getEnergyFee chain parameter', parameters);
        return { freeNetLimit: resources.freeNetLimit, bandwidth, chainParameters: parameters.length };
    });

    await step('sendTransaction', async () => {
        const receiver = await tronWeb.createAccount();
        const sent = await tronWeb.trx.sendTransaction(receiver.address.base58, 10 * TRX);
        check(sent.result === true && sent.txid === sent.transaction.txID, 'not broadcast', sent);
        const info = await solidified(tronWeb, sent.txid);
        const balance = await tronWeb.trx.getBalance(receiver.address.base58);
        check(balance === 10 * TRX, 'the receiver does not hold 10 TRX', { balance });
        const transaction = await tronWeb.trx.getConfirmedTransaction(sent.txid);
        check(transaction.ret[0].contractRet === 'SUCCESS', 'not a success', transaction);
        // A new account: getCreateAccountFee instead of bandwidth, and the account's own fee.
        const parameters = await chainParameters(tronWeb);
        const creation = parameters.getCreateAccountFee + parameters.getCreateNewAccountFeeInSystemContract;
        check((info.fee || 0) === creation && (info.receipt.net_fee || 0) === parameters.getCreateAccountFee, 'another creation fee', info);
        state.receiver = receiver;
        return { txid: sent.txid, to: receiver.address.base58, block: info.blockNumber, balance, fee: info.fee };
    });

    await step('transferFee', async () => {
        // Bytes come from the free bandwidth while it lasts, then cost getTransactionFee each:
        // whichever, the balance drops by the amount and the fee the info reports.
        const parameters = await chainParameters(tronWeb);
        const fees = [];
        for (let i = 0; i < 3; i += 1) {
            const before = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
            const sent = await tronWeb.trx.sendTransaction(state.receiver.address.base58, TRX);
            const info = await mined(tronWeb, sent.txid);
            const after = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
            const fee = info.fee || 0;
            // A balance past 2^53 sun (dcmx up's operator) is beyond what a JS number holds exactly.
            check(!Number.isSafeInteger(before) || before - after === TRX + fee, 'the balance moved by more than amount and fee', { before, after, info });
            const bytes = info.receipt.net_usage || info.receipt.net_fee / parameters.getTransactionFee;
            check(Number.isInteger(bytes) && bytes > 0, 'no bandwidth', info);
            check(fee === (info.receipt.net_fee || 0), 'a fee beyond the bytes', info);
            fees.push(fee);
        }
        check(fees[0] === 0, 'the first transfer was not free', fees);
        // A node that charges nothing (dcmx node --free, dcmx up's) never runs out.
        check(parameters.getTransactionFee === 0 || fees[2] > 0, 'the free bandwidth never ran out', fees);
        return { fees };
    });

    await step('deployContract', async () => {
        const transaction = await tronWeb.transactionBuilder.createSmartContract(
            { abi: artifact.abi, bytecode: artifact.bytecode.replace(/^0x/, ''), feeLimit: FEE_LIMIT, name: 'PlainERC20' },
            owner.hex
        );
        const signed = await tronWeb.trx.sign(transaction);
        const sent = await tronWeb.trx.sendRawTransaction(signed);
        check(sent.result === true, 'not broadcast', sent);
        const info = await solidified(tronWeb, sent.txid);
        check(info.receipt.result === 'SUCCESS', 'the deployment failed', info);
        check(info.contract_address === signed.contract_address, 'another contract address', info);
        state.contract = await tronWeb.contract().at(info.contract_address);
        state.contractAddress = tronWeb.address.fromHex(info.contract_address);
        const onChain = await tronWeb.trx.getContract(state.contractAddress);
        check(onChain.bytecode === transaction.raw_data.contract[0].parameter.value.new_contract.bytecode, 'other code', onChain);
        return { txid: sent.txid, contract: state.contractAddress, energy: info.receipt.energy_usage_total };
    });

    await step('call', async () => {
        const name = await state.contract.name().call();
        const symbol = await state.contract.symbol().call();
        const balance = await state.contract.balanceOf(owner.base58).call();
        check(name === 'Plain' && symbol === 'PLAIN', 'another name or symbol', { name, symbol });
        check(balance.toString() === '0', 'a balance before any mint', balance.toString());
        return { name, symbol };
    });

    await step('send', async () => {
        const txid = await state.contract.mint(owner.base58, 1000).send({ feeLimit: 100 * TRX });
        const info = await solidified(tronWeb, txid);
        check(info.receipt.result === 'SUCCESS', 'the mint failed', info);
        check((info.log || []).length === 1, 'no Transfer log', info);
        const balance = await state.contract.balanceOf(owner.base58).call();
        check(balance.toString() === '1000', 'the mint did not land', balance.toString());
        state.mint = txid;
        return { txid, block: info.blockNumber, energy: info.receipt.energy_usage_total };
    });

    await step('events', async () => {
        const byContract = await tronWeb.getEventResult(state.contractAddress, {
            eventName: 'Transfer',
            onlyConfirmed: true,
            orderBy: 'block_timestamp,asc',
        });
        check(byContract.success === true && byContract.data.length === 1, 'not one Transfer', byContract);
        const [event] = byContract.data;
        const to = '0x' + owner.hex.slice(2).toLowerCase();
        check(event.transaction_id === state.mint && event.event_name === 'Transfer', 'another event', event);
        check(event.result.to === to && event.result.value === '1000', 'another Transfer', event);
        check(event.result.from === '0x' + '0'.repeat(40) && event.result[2] === '1000', 'another mint', event);
        check(event.contract_address === state.contractAddress, 'another contract', event);
        check(event.result_type.value === 'uint256', 'no result types', event);
        const byTransaction = await tronWeb.getEventByTransactionID(state.mint);
        check(byTransaction.data.length === 1 && byTransaction.data[0].event_index === 0, 'not one event', byTransaction);
        const latest = await tronWeb.event.getEventsByBlockNumber(event.block_number);
        check(latest.data.some((e) => e.transaction_id === state.mint), 'not in its block', latest);
        return { event: event.event, block: event.block_number, meta: byContract.meta };
    });

    await step('callFee', async () => {
        // No energy staked: every energy used is burned at getEnergyFee sun.
        const parameters = await chainParameters(tronWeb);
        const before = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
        const txid = await state.contract.mint(owner.base58, 1).send({ feeLimit: 100 * TRX });
        const info = await mined(tronWeb, txid);
        const after = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
        const { receipt } = info;
        const fee = info.fee || 0;
        check((receipt.energy_fee || 0) === receipt.energy_usage_total * parameters.getEnergyFee, 'another energy price', info);
        check(fee === (receipt.energy_fee || 0) + (receipt.net_fee || 0), 'a fee beyond energy and bytes', info);
        check(!Number.isSafeInteger(before) || before - after === fee, 'the balance moved by another amount than the fee', { before, after, info });
        return { txid, energy: receipt.energy_usage_total, fee: info.fee };
    });

    await step('refusedTransfer', async () => {
        const { privateKey, address } = state.receiver;
        const before = await tronWeb.trx.getUnconfirmedBalance(address.base58);
        const sent = await tronWeb.trx.sendTransaction(owner.base58, 1_000 * TRX, { privateKey });
        check(sent.code === 'CONTRACT_VALIDATE_ERROR', 'not refused', sent);
        const message = tronWeb.toUtf8(sent.message);
        check(message.includes('balance is not sufficient'), 'another refusal', message);
        const balance = await tronWeb.trx.getUnconfirmedBalance(address.base58);
        check(balance === before, 'the refused transfer moved TRX', { before, balance });
        return { code: sent.code, message };
    });

    await step('revertedCall', async () => {
        // A simulated call first (transactionBuilder.triggerConstantContract, as wallets
        // preview a transaction), then the transaction itself, mined and failed.
        const to = state.receiver.address.base58;
        const parameters = [
            { type: 'address', value: to },
            { type: 'uint256', value: 10_000 },
        ];
        let simulated = null;
        try {
            await tronWeb.transactionBuilder.triggerConstantContract(
                state.contractAddress,
                'transfer(address,uint256)',
                {},
                parameters,
                owner.hex
            );
        } catch (error) {
            simulated = describe(error);
        }
        check(simulated && simulated.includes('REVERT'), 'the simulated call was not reverted', simulated);
        const txid = await state.contract.transfer(to, 10_000).send({ feeLimit: 100 * TRX });
        const info = await solidified(tronWeb, txid);
        check(info.result === 'FAILED' && info.receipt.result === 'REVERT', 'the transfer was not reverted', info);
        const message = tronWeb.toUtf8(info.resMessage);
        check(message.includes('REVERT'), 'another failure', message);
        return { simulated, txid, receipt: info.receipt.result, resMessage: message };
    });

    await step('freeze', async () => {
        const before = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
        const built = await tronWeb.transactionBuilder.freezeBalanceV2(1_000 * TRX, 'ENERGY', owner.base58);
        const info = await signAndSend(tronWeb, built, 'freezeBalanceV2');
        const after = await tronWeb.trx.getUnconfirmedBalance(owner.base58);
        check(!Number.isSafeInteger(before) || before - after === 1_000 * TRX + (info.fee || 0), 'the balance did not pay for the stake', { before, after });
        const account = await tronWeb.trx.getUnconfirmedAccount(owner.base58);
        const energy = account.frozenV2.find((f) => f.type === 'ENERGY');
        check(energy && energy.amount === 1_000 * TRX, 'no energy stake', account);
        const resources = await tronWeb.trx.getAccountResources(owner.base58);
        check(resources.EnergyLimit > 0 && resources.TotalEnergyWeight > 0, 'no staked energy', resources);
        return { energyLimit: resources.EnergyLimit };
    });

    await step('delegate', async () => {
        const receiver = state.receiver.address.base58;
        const built = await tronWeb.transactionBuilder.delegateResource(400 * TRX, receiver, 'ENERGY', owner.base58);
        await signAndSend(tronWeb, built, 'delegateResource');
        const delegated = await tronWeb.trx.getDelegatedResourceV2(owner.base58, receiver, { confirmed: false });
        const [first] = delegated.delegatedResource || [];
        check(first && first.frozen_balance_for_energy === 400 * TRX, 'not delegated', delegated);
        const index = await tronWeb.trx.getDelegatedResourceAccountIndexV2(owner.base58, { confirmed: false });
        check((index.toAccounts || []).includes(tronWeb.address.toHex(receiver)), 'not indexed', index);
        const maxSize = await tronWeb.trx.getCanDelegatedMaxSize(owner.base58, 'ENERGY', { confirmed: false });
        check(maxSize.max_size === 600 * TRX, 'another delegatable stake', maxSize);
        const resources = await tronWeb.trx.getAccountResources(receiver);
        check(resources.EnergyLimit > 0, 'the receiver got no energy', resources);
        const undelegated = await tronWeb.transactionBuilder.undelegateResource(400 * TRX, receiver, 'ENERGY', owner.base58);
        await signAndSend(tronWeb, undelegated, 'undelegateResource');
        const gone = await tronWeb.trx.getDelegatedResourceV2(owner.base58, receiver, { confirmed: false });
        check(!(gone.delegatedResource || []).length, 'still delegated', gone);
        return { receiverEnergy: resources.EnergyLimit };
    });

    await step('unfreeze', async () => {
        const built = await tronWeb.transactionBuilder.unfreezeBalanceV2(1_000 * TRX, 'ENERGY', owner.base58);
        const info = await signAndSend(tronWeb, built, 'unfreezeBalanceV2');
        const count = await tronWeb.trx.getAvailableUnfreezeCount(owner.base58, { confirmed: false });
        check(count.count === 31, 'another unfreeze count', count);
        const parameters = await chainParameters(tronWeb);
        const due = info.blockTimeStamp + parameters.getUnfreezeDelayDays * 24 * 3600 * 1000;
        const now = await tronWeb.trx.getCanWithdrawUnfreezeAmount(owner.base58, due - 1, { confirmed: false });
        const then = await tronWeb.trx.getCanWithdrawUnfreezeAmount(owner.base58, due, { confirmed: false });
        check(!now.amount && then.amount === 1_000 * TRX, 'another withdrawable amount', { now, then });
        return { withdrawableFrom: due };
    });
}

main().then(
    () => console.log(JSON.stringify({ step: 'done', ok: true })),
    (error) => {
        if (!(error instanceof Reported)) console.log(JSON.stringify({ step: 'smoke', ok: false, error: describe(error) }));
        process.exitCode = 1; // not process.exit(): let stdout drain
    }
);
