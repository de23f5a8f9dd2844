#!/bin/sh
# Vendors the pinned front-end libraries (package-lock.json) into static/vendor. Run by
# `go generate ./internal/web`; the copied files are committed so `go run` needs no Node.
set -eu
cd "$(dirname "$0")/assets"
npm ci --no-audit --no-fund
cp node_modules/htmx.org/dist/htmx.min.js ../static/vendor/htmx.min.js
cp node_modules/echarts/dist/echarts.min.js ../static/vendor/echarts.min.js
