// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A greeting its owner can change: what `tronbox migrate` deploys to dcmx node.
contract Greeter {
    address public immutable owner;
    string public greeting;

    event Greeted(address indexed by, string greeting);

    error NotOwner(address caller);

    constructor(string memory initial) {
        owner = msg.sender;
        greeting = initial;
    }

    function greet(string calldata next) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        greeting = next;
        emit Greeted(msg.sender, next);
    }
}
