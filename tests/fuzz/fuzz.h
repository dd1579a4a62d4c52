/* The libFuzzer entry points each tests/fuzz/fuzz_X.c defines (with
 * -Wmissing-prototypes a definition needs a declaration first). Built by
 * `CC=clang ./configure --enable-fuzzing && make fuzz`; run as
 * tests/fuzz/fuzz_X CORPUS_DIR, seeds in tests/fuzz/corpus/X. */
#ifndef TR_FUZZ_H
#define TR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
