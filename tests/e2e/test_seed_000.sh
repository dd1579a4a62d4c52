#!/usr/bin/env bash
# Browser end to end of seed 000's event flow (checkRoom, join, answerVideo,
# receiveOffer, receiveAnsewer, addIceCandidate, userLeave): see test_seed_003.sh.
SEED=000 exec "$(dirname "$0")/test_seed_003.sh" "$@"
