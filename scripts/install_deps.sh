#!/usr/bin/env bash
# Installs eipnn's build and test dependencies from Debian's packages (needs root or sudo).
# The CUDA toolkit is not a Debian package here: the CUDA layer is compiled when nvcc is found
# (CUDACXX, PATH or /usr/local/cuda/bin) and skipped with a message otherwise.
set -euo pipefail
packages=(
  build-essential cmake clang libclang-rt-14-dev
  catch2 libeigen3-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  lammps lammps-data libkim-api-dev openkim-models
  libopenmpi-dev openmpi-bin
  python3 python3-numpy python3-scipy python3-mpmath python3-torch python3-ase python3-matplotlib
  libopenblas0-pthread
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
