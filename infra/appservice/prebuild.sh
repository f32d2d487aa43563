#!/bin/sh
# Run by App Service's build (Oryx) before it installs anything: PRE_BUILD_COMMAND in infra/azure.bicep.
#
# Oryx installs Python dependencies from requirements.txt in the project root; a pyproject.toml alone is
# installed with uv (only with a uv.lock) or Poetry, neither of which this project uses. This project is
# described by pyproject.toml (setuptools, pinned dependencies), so the build gets a requirements.txt that
# names the project itself: pip then installs it, with exactly the pinned dependencies, into the app's
# virtual environment. Nothing is written into the repository: only into Oryx's copy of the upload.
set -eu
if [ ! -e requirements.txt ]; then
    printf '.\n' > requirements.txt
fi
