"""`pip install .` builds Sieve with CMake (scripts/build.sh, into
$SIEVE_BUILD_DIR or build/) and packages python/sieve with the C API
libraries beside it. See docs/python.md."""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


class BuildWithCMake(build_py):
    def run(self):
        super().run()
        build = os.environ.get("SIEVE_BUILD_DIR", os.path.join(ROOT, "build"))
        subprocess.run([os.path.join(ROOT, "scripts", "build.sh")], check=True,
                       env=dict(os.environ, SIEVE_BUILD_DIR=build))
        package = os.path.join(self.build_lib, "sieve")
        for name in ("libSieveCAPI.so", "libSieveMLIRCAPI.so"):
            shutil.copy2(os.path.join(build, "lib", name), package)


# setuptools builds in build-python/, apart from the CMake build in build/.
setup(cmdclass={"build_py": BuildWithCMake},
      options={"build": {"build_base": os.path.join(ROOT, "build-python")}})
