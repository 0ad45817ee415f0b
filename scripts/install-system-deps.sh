#!/usr/bin/env bash
# Debian/Ubuntu packages the test suite uses: the full Fashion-MNIST (60k/10k IDX files)
# for the data tests, Chromium for the browser test, nats-server for the scale-out tests
# (they start it on 127.0.0.1 on a free port) and openssl for their TLS certificates. The
# embedded MNIST and the main job need none of them. Runs apt-get through sudo unless
# already root.
set -euo pipefail
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends dataset-fashion-mnist chromium nats-server openssl
