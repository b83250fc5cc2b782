// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title An NFT receiver for the safe-transfer tests
/// @notice Answers ERC-721's onERC721Received or TRC-721's onTRC721Received as its `answer`
/// says, and remembers the last call it accepted. It can also act as an account: `execute`
/// calls any contract as this receiver, and it accepts the native coin unless told not to.
contract NftReceiverMock {
    enum Answer {
        AcceptErc721,
        AcceptTrc721,
        WrongMagic,
        RevertWithReason,
        RevertEmpty,
        AnswerNothing
    }

    bytes4 private constant ERC721_RECEIVED = 0x150b7a02;
    bytes4 private constant TRC721_RECEIVED = 0x5175f878;

    Answer public immutable answer;
    bool public immutable acceptsCoin;

    address public lastOperator;
    address public lastFrom;
    uint256 public lastTokenId;
    bytes public lastData;

    constructor(Answer answer_, bool acceptsCoin_) {
        answer = answer_;
        acceptsCoin = acceptsCoin_;
    }

    receive() external payable {
        require(acceptsCoin, "NftReceiverMock: no coin");
    }

    /// @notice ERC-721's safe-transfer hook.
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        return _answer(Answer.AcceptErc721, ERC721_RECEIVED, operator, from, tokenId, data);
    }

    /// @notice TRC-721's safe-transfer hook.
    function onTRC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        return _answer(Answer.AcceptTrc721, TRC721_RECEIVED, operator, from, tokenId, data);
    }

    /// @notice Calls `target` with `data` as this contract, bubbling a revert.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }

    function _answer(
        Answer accepting,
        bytes4 magic,
        address operator,
        address from,
        uint256 tokenId,
        bytes calldata data
    ) private returns (bytes4) {
        Answer given = answer;
        if (given == accepting) {
            (lastOperator, lastFrom, lastTokenId, lastData) = (operator, from, tokenId, data);
            return magic;
        }
        if (given == Answer.WrongMagic) return 0xdeadbeef;
        if (given == Answer.RevertWithReason) revert("NftReceiverMock: refused");
        if (given == Answer.AnswerNothing) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        // RevertEmpty, or the other chain's hook: what a contract without this hook does.
        revert();
    }
}
