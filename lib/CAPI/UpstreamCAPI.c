/*===- UpstreamCAPI.c - Upstream MLIR's C API as a shared library -*- C -*-===*\
|*                                                                            *|
|* libSieveMLIRCAPI.so holds upstream MLIR's C API for IR, passes and        *|
|* registering every dialect (Debian ships it only as static archives) over  *|
|* the shared libMLIR.so. It is kept apart from libSieveCAPI.so on purpose:   *|
|* the archives are built by clang, Sieve by the system compiler, and the     *|
|* two spell the names behind MLIR's implicit TypeIDs differently; in one     *|
|* library the linker would keep the archives' hidden copies of those IDs     *|
|* for Sieve's code too, and Sieve's ops would lose their traits.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* The library's content comes whole from the archives it links. */
int sieveUpstreamCAPIAnchor(void);
int sieveUpstreamCAPIAnchor(void) { return 0; }
