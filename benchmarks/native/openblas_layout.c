/*
 * Does OpenBLAS multiply a linear layer faster when the weight is stored [in, out] (no transpose to pack) than in
 * Hugging Face's [out, in]? One thread, 128 rows, one worker's half of each bge-small weight's columns, 12 weights
 * per shape rotated as a 12-layer forward reads them (so they come from memory), both layouts alternated.
 *
 *   gcc -O2 openblas_layout.c -o openblas_layout -L"$DIR" -l:libopenblas.so.0 && LD_LIBRARY_PATH="$DIR" ./openblas_layout
 *
 * with DIR the folder attn4j extracted libopenblas.so.0 into (~/.cache/attn4j/native/openblas-*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
void openblas_set_num_threads(int);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int main(void) {
  enum { M = 128, LAYERS = 12, ROUNDS = 15 };
  const int shapes[3][2] = {{1152, 384}, {1536, 384}, {384, 1536}}; /* out, in */
  openblas_set_num_threads(1);
  for (int s = 0; s < 3; s++) {
    int n = shapes[s][0] / 2, k = shapes[s][1];
    float *a = malloc(sizeof(float) * M * k), *c = malloc(sizeof(float) * M * n), *w[LAYERS];
    for (long i = 0; i < (long) M * k; i++) a[i] = (rand() % 100) / 100.f;
    for (int l = 0; l < LAYERS; l++) {
      w[l] = malloc(sizeof(float) * n * k);
      for (long i = 0; i < (long) n * k; i++) w[l][i] = (rand() % 100) / 100.f;
    }
    double t[2][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      for (int mode = 0; mode < 2; mode++) {
        double t0 = now();
        for (int l = 0; l < LAYERS; l++) {
          if (mode == 0) {
            cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, M, n, k, 1, a, k, w[l], k, 0, c, n); /* w as [out, in] */
          } else {
            cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, n, k, 1, a, k, w[l], n, 0, c, n); /* w as [in, out] */
          }
        }
        t[mode][r] = (now() - t0) / LAYERS;
      }
    }
    for (int mode = 0; mode < 2; mode++) {
      qsort(t[mode], ROUNDS, sizeof(double), by_value);
      printf("%d x %d x %d  %s  median %.1f us  %.1f GFLOP/s  min %.1f us\n", M, n, k, mode ? "[in, out]" : "[out, in]",
          t[mode][ROUNDS / 2] * 1e6, 2.0 * M * n * k / t[mode][ROUNDS / 2] / 1e9, t[mode][0] * 1e6);
    }
  }
  return 0;
}
