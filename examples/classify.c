/* classify: labels each line of standard input with a sequence-classification model through libpare.
 *
 *   classify MODEL_DIR < lines.txt
 *
 * A line is a text, or a pair of texts separated by a tab. Blank lines are skipped. For each other
 * line it prints the most probable label and then every label's probability (softmax of the logits),
 * tab-separated; the first line printed names the columns. Lines are classified 32 at a time. */
#include <math.h>
#include <pare/pare.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 32

/* The next line of `in` without its line end, in a buffer the caller frees; NULL at the end. */
static char* read_line(FILE* in) {
  size_t size = 256, length = 0;
  char* line = malloc(size);
  int c;
  if (line == NULL) return NULL;
  while ((c = fgetc(in)) != EOF && c != '\n') {
    if (length + 1 == size) {
      char* bigger = realloc(line, size * 2);
      if (bigger == NULL) {
        free(line);
        return NULL;
      }
      line = bigger;
      size *= 2;
    }
    line[length++] = (char)c;
  }
  if (c == EOF && length == 0) {
    free(line);
    return NULL;
  }
  if (length > 0 && line[length - 1] == '\r') --length;
  line[length] = '\0';
  return line;
}

/* Classifies the n lines held and prints them; 0 on success. */
static int classify_batch(pare_model* model, char** lines, size_t n, float* logits) {
  const char *texts[BATCH], *pairs[BATCH];
  size_t labels = pare_model_num_labels(model), i, j;
  for (i = 0; i < n; ++i) {
    char* tab = strchr(lines[i], '\t');
    texts[i] = lines[i];
    pairs[i] = NULL;
    if (tab != NULL) {
      *tab = '\0';
      pairs[i] = tab + 1;
    }
  }
  if (pare_classify(model, texts, pairs, n, logits) != PARE_OK) {
    fprintf(stderr, "classify: %s\n", pare_last_error());
    return 1;
  }
  for (i = 0; i < n; ++i) {
    const float* row = logits + i * labels;
    size_t best = 0;
    double largest = row[0], total = 0.0;
    for (j = 1; j < labels; ++j) {
      if (row[j] > largest) largest = row[j];
    }
    for (j = 0; j < labels; ++j) total += exp(row[j] - largest);
    for (j = 1; j < labels; ++j) {
      if (row[j] > row[best]) best = j;
    }
    printf("%s", pare_model_label(model, best));
    for (j = 0; j < labels; ++j) printf("\t%.6f", exp(row[j] - largest) / total);
    printf("\n");
  }
  return 0;
}

int main(int argc, char** argv) {
  pare_model* model = NULL;
  char* lines[BATCH];
  float* logits;
  size_t n = 0, labels, j;
  int status = 0;
  char* line;

  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL_DIR < lines.txt  (libpare %s)\n", argv[0], pare_version());
    return 2;
  }
  if (pare_model_load(argv[1], &model) != PARE_OK) {
    fprintf(stderr, "classify: %s\n", pare_last_error());
    return 1;
  }
  labels = pare_model_num_labels(model);
  if (labels == 0) {
    fprintf(stderr, "classify: %s is not a sequence-classification model\n", argv[1]);
    pare_model_free(model);
    return 1;
  }
  logits = malloc(BATCH * labels * sizeof(float));
  if (logits == NULL) {
    pare_model_free(model);
    return 1;
  }
  printf("label");
  for (j = 0; j < labels; ++j) printf("\t%s", pare_model_label(model, j));
  printf("\n");

  while (status == 0 && (line = read_line(stdin)) != NULL) {
    if (line[strspn(line, " \t")] == '\0') {
      free(line);
      continue;
    }
    lines[n++] = line;
    if (n == BATCH) {
      status = classify_batch(model, lines, n, logits);
      while (n > 0) free(lines[--n]);
    }
  }
  if (status == 0 && n > 0) status = classify_batch(model, lines, n, logits);
  while (n > 0) free(lines[--n]);
  free(logits);
  pare_model_free(model);
  return status;
}
