/* libpare: run a BERT-class model that pare fine-tuned, pruned or quantized from a C or C++ program.
 *
 * A model is a directory as pare writes it (config.json, model.safetensors, the tokenizer: vocab.txt,
 * tokenizer.json or a sentencepiece *.model) or a Hugging Face BERT directory: dense, pruned (each
 * layer with its own heads and FFN width), hidden-pruned and int8 (`pare quantize`) all load.
 *
 * Conventions
 * - Every function that can fail returns an int: PARE_OK (0) on success, else one of pare_status,
 *   and pare_last_error() then says what was wrong (naming the argument, text, file or field). No
 *   C++ exception ever leaves the library. Every argument and text is checked before any work
 *   starts, so a refusal leaves the output buffers untouched (pare_tokenize's *count excepted).
 * - Text is UTF-8, NUL-terminated. Empty text and text that is not valid UTF-8 are refused (the
 *   message gives the text's index and the offset of the first bad byte).
 * - Texts longer than the model's positions are truncated as Hugging Face's tokenizers do by
 *   default: to max_tokens tokens ([CLS] and [SEP] included; max_position_embeddings unless the
 *   options say less), a pair by "longest first": a token is dropped from the end of the longer of
 *   the two (of the second on a tie) until the pair fits.
 * - Threads: one pare_model may be used by several threads at once; each call gets exactly the
 *   results (bit for bit) a call made alone would get. Each call runs its work on num_threads
 *   OpenMP threads (pare_model_options). A program that calls from k threads at once gets the most
 *   from num_threads = cores / k. A call made inside an OpenMP parallel region of the program runs
 *   on that one thread (OpenMP does not nest by default).
 * - The library runs on the CPU. It is built with pare (-DPARE_INFERENCE_ONLY=ON builds it alone);
 *   its ABI is PARE_ABI_VERSION, the SONAME's number (libpare.so.1): a change that breaks a program
 *   built against this header changes it, and functions may be added without one.
 */
#ifndef PARE_PARE_H
#define PARE_PARE_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PARE_API __attribute__((visibility("default")))
#else
#define PARE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PARE_ABI_VERSION 1

/* The values the functions return. */
typedef enum pare_status {
  PARE_OK = 0,
  PARE_ERROR_ARGUMENT = 1,         /* a NULL pointer, n == 0, an index or option out of range */
  PARE_ERROR_TEXT = 2,             /* an empty text, or one that is not valid UTF-8 */
  PARE_ERROR_BUFFER_TOO_SMALL = 3, /* pare_tokenize: *count holds the size needed */
  PARE_ERROR_MODEL = 4,            /* the model directory is missing, unreadable or inconsistent */
  PARE_ERROR_UNSUPPORTED = 5,      /* the model cannot do this (pare_classify without a classifier) */
  PARE_ERROR_OUT_OF_MEMORY = 6,
  PARE_ERROR_INTERNAL = 7 /* a defect in pare: please report the message */
} pare_status;

/* How pare_embed turns a text's token vectors (the last layer's hidden states) into one vector. */
typedef enum pare_pooling {
  PARE_POOLING_MEAN = 0, /* the mean over the text's tokens ([CLS] and [SEP] included, padding not):
                            what sentence-embedding models are trained for; the default */
  PARE_POOLING_CLS = 1   /* the [CLS] token's vector: what a classifier head reads */
} pare_pooling;

/* What a model's head computes (config.json "architectures"). */
typedef enum pare_task {
  PARE_TASK_ENCODER = 0,                 /* BertModel: no head; pare_embed */
  PARE_TASK_SEQUENCE_CLASSIFICATION = 1, /* pare_classify, pare_classify_ids */
  PARE_TASK_TOKEN_CLASSIFICATION = 2,    /* pare_classify_tokens */
  PARE_TASK_MASKED_LM = 3,               /* pare_embed (the masked-LM head is not exposed) */
  PARE_TASK_QUESTION_ANSWERING = 4       /* pare_embed (answer spans are not exposed yet) */
} pare_task;

/* Settings fixed when a model is loaded. Start from pare_model_default_options() and change fields;
 * a new field is only ever added with a new PARE_ABI_VERSION. */
typedef struct pare_model_options {
  int num_threads;      /* OpenMP threads each call uses; 0 (default): as many as OpenMP would
                           (OMP_NUM_THREADS when set, else one per core), read at load */
  size_t max_tokens;    /* truncation length, special tokens included, at least 3; 0 (default): the
                           model's max_position_embeddings (more is refused) */
  size_t max_batch;     /* texts per forward pass in pare_classify and pare_embed; 0 (default): 32.
                           Texts of one pass are padded to its longest */
  pare_pooling pooling; /* for pare_embed; default PARE_POOLING_MEAN */
} pare_model_options;

typedef struct pare_model pare_model;

/* pare's version, "MAJOR.MINOR.PATCH". */
PARE_API const char* pare_version(void);

/* The message of this thread's last failed call ("" when none has failed); valid until this thread's
 * next failed call. Successful calls leave it as it was. */
PARE_API const char* pare_last_error(void);

PARE_API pare_model_options pare_model_default_options(void);

/* Loads `model_dir` with the default options. On success *model is a new model for
 * pare_model_free; on failure *model is NULL. */
PARE_API int pare_model_load(const char* model_dir, pare_model** model);
/* As pare_model_load; `options` NULL means the defaults. */
PARE_API int pare_model_load_with_options(const char* model_dir, const pare_model_options* options, pare_model** model);
/* Frees `model` (NULL is fine). No call on it may be running or start afterwards. */
PARE_API void pare_model_free(pare_model* model);

/* The model's task; PARE_TASK_ENCODER for NULL. Every model can pare_embed. */
PARE_API pare_task pare_model_task(const pare_model* model);
/* The number of classes of a sequence- or token-classification model (1 for regression); 0 for
 * other models and for NULL. */
PARE_API size_t pare_model_num_labels(const pare_model* model);
/* The name of class i (config.json's id2label), or NULL when i >= pare_model_num_labels(). The
 * string lives as long as the model. */
PARE_API const char* pare_model_label(const pare_model* model, size_t i);
/* The width of pare_embed's vectors (the hidden size after pruning); 0 for NULL. */
PARE_API size_t pare_model_hidden_size(const pare_model* model);
/* The truncation length in tokens (pare_model_options.max_tokens as resolved); 0 for NULL. */
PARE_API size_t pare_model_max_tokens(const pare_model* model);

/* The ids the model sees for `text` (and `text_pair`, which may be NULL): [CLS] text [SEP]
 * [text_pair [SEP]], truncated as described above. Writes *count ids into `ids`; when `capacity` is
 * too small it writes none, sets *count to the number needed and returns
 * PARE_ERROR_BUFFER_TOO_SMALL (`ids` may be NULL when capacity is 0). */
PARE_API int pare_tokenize(const pare_model* model, const char* text, const char* text_pair, int32_t* ids,
                           size_t capacity, size_t* count);

/* As pare_tokenize, and the token types into `type_ids` (0 for [CLS] text [SEP], 1 for text_pair
 * [SEP]) when it is not NULL: the input of pare_classify_ids. */
PARE_API int pare_encode(const pare_model* model, const char* text, const char* text_pair, int32_t* ids,
                         int32_t* type_ids, size_t capacity, size_t* count);

/* Logits of `n` texts (or pairs, when `text_pairs` is not NULL; a NULL entry of it means no pair
 * for that text) into `logits`, n x pare_model_num_labels() floats, row by row. Softmax them for
 * probabilities. Fails with PARE_ERROR_UNSUPPORTED for a model without a sequence-classification
 * head. */
PARE_API int pare_classify(pare_model* model, const char* const* texts, const char* const* text_pairs, size_t n,
                           float* logits);

/* As pare_classify, on sequences the caller encoded (pare_encode, or a tokenizer of its own that
 * adds [CLS] and [SEP] as BERT's does): sequence i is lengths[i] ids (1 to max_tokens), following
 * sequence i-1's in `ids` (and in `type_ids`, which may be NULL for all zeros). Ids must lie in the
 * vocabulary, token types below config.json's type_vocab_size. For texts classified again and again,
 * or tokenized elsewhere; what it costs is the model's forward alone. */
PARE_API int pare_classify_ids(pare_model* model, const int32_t* ids, const int32_t* type_ids, const size_t* lengths,
                               size_t n, float* logits);

/* Logits of every token of `text` (and `text_pair`, which may be NULL) for a token-classification
 * model: one row of pare_model_num_labels() floats per id pare_encode gives, in its order ([CLS] and
 * [SEP] included; as pare trains such models, the first piece of each word carries the word's label).
 * `capacity` counts rows; when it is too small no row is written, *count is set to the rows needed
 * and PARE_ERROR_BUFFER_TOO_SMALL returned (`logits` may be NULL when capacity is 0). Fails with
 * PARE_ERROR_UNSUPPORTED for other models. */
PARE_API int pare_classify_tokens(pare_model* model, const char* text, const char* text_pair, float* logits,
                                  size_t capacity, size_t* count);

/* One vector per text into `embeddings`, n x pare_model_hidden_size() floats, pooled as the
 * options say (mean by default); not normalised. Works on every model. */
PARE_API int pare_embed(pare_model* model, const char* const* texts, size_t n, float* embeddings);

#ifdef __cplusplus
}
#endif

#endif /* PARE_PARE_H */
