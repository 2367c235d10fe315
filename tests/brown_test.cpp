#include "data/brown.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "runtime/error.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::ScratchDir;
using testing::write_bytes;

const fs::path kBrown = fs::path(PARE_TEST_DATA_DIR) / "brown";
const fs::path kCorpus = kBrown / "corpus";

std::int64_t tag_id(const std::string& tag) {
  const auto& tags = brown_pos_tags();
  const auto it = std::find(tags.begin(), tags.end(), tag);
  EXPECT_NE(it, tags.end()) << tag;
  return it - tags.begin();
}

TEST(Brown, TagSimplification) {
  EXPECT_EQ(simplify_brown_tag("nn"), "nn");
  EXPECT_EQ(simplify_brown_tag("nn-tl"), "nn");
  EXPECT_EQ(simplify_brown_tag("nn-tl-hl"), "nn");
  EXPECT_EQ(simplify_brown_tag("np$"), "np$");
  EXPECT_EQ(simplify_brown_tag("nn$-tl"), "nn$");
  EXPECT_EQ(simplify_brown_tag("md*"), "md*");
  EXPECT_EQ(simplify_brown_tag("ppss+bem"), "ppss");
  EXPECT_EQ(simplify_brown_tag("wdt+ber+pp"), "wdt");
  EXPECT_EQ(simplify_brown_tag("fw-in+at-tl"), "in");
  EXPECT_EQ(simplify_brown_tag("fw-nn-tl"), "nn");
  EXPECT_EQ(simplify_brown_tag("--"), "--");
  EXPECT_EQ(simplify_brown_tag("---hl"), "--");
  EXPECT_EQ(simplify_brown_tag(".-hl"), ".");
}

TEST(Brown, TagSetIsFixedSortedAndUnique) {
  const auto& tags = brown_pos_tags();
  EXPECT_EQ(tags.size(), 104u);
  EXPECT_TRUE(std::is_sorted(tags.begin(), tags.end()));
  EXPECT_EQ(std::set<std::string>(tags.begin(), tags.end()).size(), tags.size());
  EXPECT_EQ(brown_pos_task().label_names, tags);
  EXPECT_TRUE(brown_pos_task().is_tagging());
  EXPECT_EQ(brown_genre_task().num_labels(), 15);
  EXPECT_EQ(brown_genre_letters().size(), 15u);
}

TEST(Brown, ReadsFormCText) {
  const BrownText text = read_brown_text(kCorpus / "ca01");
  EXPECT_EQ(text.name, "ca01");
  EXPECT_EQ(text.genre, 'a');
  EXPECT_EQ(text.number, 1);
  ASSERT_EQ(text.sentences.size(), 9u);
  EXPECT_EQ(text.sentences[0].line, 3u);
  EXPECT_EQ(text.sentences[0].words[10], "Atlanta's");
  EXPECT_EQ(text.sentences[0].tags[10], "np$");
  EXPECT_EQ(text.sentences[1].line, 6u);  // a headline line, not tab-indented, trailing space
  EXPECT_EQ(text.sentences[1].words, (std::vector<std::string>{"Merger", "proposed"}));
  EXPECT_EQ(text.sentences[1].tags, (std::vector<std::string>{"nn-hl", "vbn-hl"}));
  EXPECT_EQ(text.sentences[3].words[4], "1-1/2");  // the tag follows the last '/'
  EXPECT_EQ(text.sentences[3].tags[4], "cd");
  EXPECT_EQ(text.sentences[8].line, 15u);
}

TEST(Brown, SplitRuleByTextNumber) {
  EXPECT_EQ(brown_split("ca01"), Split::test);
  EXPECT_EQ(brown_split("ca02"), Split::dev);
  EXPECT_EQ(brown_split("ca03"), Split::train);
  EXPECT_EQ(brown_split("ca10"), Split::train);
  EXPECT_EQ(brown_split("cj71"), Split::test);
  EXPECT_EQ(brown_split("cr09"), Split::train);
  // The real corpus's genre sizes: every genre has texts in each split; about 10% test and dev.
  const std::map<char, int> sizes = {{'a', 44}, {'b', 27}, {'c', 17}, {'d', 17}, {'e', 36},
                                     {'f', 48}, {'g', 75}, {'h', 30}, {'j', 80}, {'k', 29},
                                     {'l', 24}, {'m', 6},  {'n', 29}, {'p', 29}, {'r', 9}};
  std::map<Split, int> total;
  for (const auto& [genre, size] : sizes) {
    std::map<Split, int> count;
    for (int n = 1; n <= size; ++n) {
      const std::string name = std::string("c") + genre + char('0' + n / 10) + char('0' + n % 10);
      ++count[brown_split(name)];
    }
    for (Split s : {Split::train, Split::dev, Split::test}) {
      EXPECT_GE(count[s], 1) << genre << " " << split_name(s);
      total[s] += count[s];
    }
  }
  EXPECT_EQ(total[Split::train], 392);
  EXPECT_EQ(total[Split::dev], 54);
  EXPECT_EQ(total[Split::test], 54);
  EXPECT_THROW(brown_split("ci01"), Error);
  EXPECT_THROW(brown_split("CONTENTS"), Error);
}

std::set<std::string> text_names(const std::vector<TextExample>& examples) {
  std::set<std::string> names;
  for (const auto& ex : examples) names.insert(ex.id.substr(0, ex.id.find(':')));
  return names;
}

TEST(Brown, NoTextInTwoSplits) {
  const auto train = text_names(brown_pos_examples(kCorpus, Split::train));
  const auto dev = text_names(brown_pos_examples(kCorpus, Split::dev));
  const auto test = text_names(brown_pos_examples(kCorpus, Split::test));
  EXPECT_EQ(train, (std::set<std::string>{"ca03", "cb13"}));
  EXPECT_EQ(dev, (std::set<std::string>{"ca02", "cr02"}));
  EXPECT_EQ(test, (std::set<std::string>{"ca01", "cb11"}));
}

TEST(Brown, GenrePassages) {
  const auto five = brown_genre_examples(kCorpus, Split::test);
  // ca01 has 9 sentences: one passage of 5, the last 4 left out; cb11 has 1: none.
  ASSERT_EQ(five.size(), 1u);
  EXPECT_EQ(five[0].id, "ca01:3");
  EXPECT_EQ(five[0].label, 0);

  const auto three = brown_genre_examples(kCorpus, Split::test, 3);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[1].id, "ca01:10");
  EXPECT_EQ(three[2].id, "ca01:13");
  EXPECT_EQ(three[1].text_a, "It did not take 1-1/2 hours . I'm sure it can't be . Wards protected");

  const auto dev = brown_genre_examples(kCorpus, Split::dev, 1);
  ASSERT_EQ(dev.size(), 4u);  // ca02: 2 sentences, cr02: 2
  EXPECT_EQ(dev[0].label, 0);
  EXPECT_EQ(dev[2].label, 14);  // humor, the last genre
  EXPECT_EQ(dev[2].text_a, "A funny story .");
  EXPECT_EQ(brown_genre_task().label_names[14], "humor");

  const auto train = brown_genre_examples(kCorpus, Split::train, 2);
  ASSERT_EQ(train.size(), 2u);  // ca03: one of 2; cb13: one of 2, one sentence left out
  EXPECT_EQ(train[1].label, 1);
  EXPECT_THROW(brown_genre_examples(kCorpus, Split::train, 0), Error);
}

TEST(Brown, PosSentencesWithSimplifiedTags) {
  const auto test = brown_pos_examples(kCorpus, Split::test);
  ASSERT_EQ(test.size(), 10u);  // ca01: 9, cb11: 1
  const TextExample& ex = test[3];
  EXPECT_EQ(ex.id, "ca01:10");
  EXPECT_EQ(ex.words, (std::vector<std::string>{"It", "did", "not", "take", "1-1/2", "hours", "."}));
  EXPECT_EQ(ex.tags, (std::vector<std::int64_t>{tag_id("pps"), tag_id("dod"), tag_id("*"), tag_id("vb"), tag_id("cd"),
                                                tag_id("nns"), tag_id(".")}));
  EXPECT_EQ(test[4].tags[0], tag_id("ppss"));  // I'm/ppss+bem
  EXPECT_EQ(test[4].tags[3], tag_id("md*"));   // can't/md*
  const TextExample& foreign = test[6];        // ---/---hl a/at la/fw-in+at-tl carte/fw-nn-tl
  EXPECT_EQ(foreign.tags[3], tag_id("--"));
  EXPECT_EQ(foreign.tags[5], tag_id("in"));
  EXPECT_EQ(foreign.tags[6], tag_id("nn"));
  EXPECT_EQ(test[0].tags[1], tag_id("np"));  // Fulton/np-tl
  for (const auto& e : test) EXPECT_EQ(e.words.size(), e.tags.size());
}

// Each sentence of 6 to 48 tokens, as written or with its words (tokens with a letter) shuffled and
// its punctuation in place; the choice is fixed per sentence, and both labels occur.
TEST(Brown, OrderSentencesAreOriginalOrHaveTheirWordsShuffled) {
  std::map<std::int64_t, int> labels;
  for (Split split : {Split::train, Split::dev, Split::test}) {
    std::map<std::string, std::vector<std::string>> original;
    for (const TextExample& e : brown_pos_examples(kCorpus, split)) original[e.id] = e.words;
    const std::vector<TextExample> examples = brown_order_examples(kCorpus, split);
    EXPECT_EQ(examples.size(), brown_order_examples(kCorpus, split).size());
    for (const TextExample& e : examples) {
      SCOPED_TRACE(e.id);
      ASSERT_TRUE(original.count(e.id));
      const std::vector<std::string>& words = original[e.id];
      EXPECT_GE(words.size(), 6u);
      EXPECT_LE(words.size(), 48u);
      std::vector<std::string> shown;
      for (std::size_t start = 0, end; start <= e.text_a.size(); start = end + 1) {
        end = std::min(e.text_a.find(' ', start), e.text_a.size());
        shown.push_back(e.text_a.substr(start, end - start));
      }
      ASSERT_EQ(shown.size(), words.size());
      std::vector<std::size_t> differ;
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (shown[i] != words[i]) differ.push_back(i);
      }
      ++labels[*e.label];
      if (*e.label == 1) {
        EXPECT_TRUE(differ.empty());
        continue;
      }
      EXPECT_GE(differ.size(), 2u);
      std::vector<std::string> sorted_shown = shown, sorted_words = words;
      std::sort(sorted_shown.begin(), sorted_shown.end());
      std::sort(sorted_words.begin(), sorted_words.end());
      EXPECT_EQ(sorted_shown, sorted_words);
      for (std::size_t i : differ) {
        EXPECT_TRUE(std::any_of(words[i].begin(), words[i].end(), [](unsigned char c) { return std::isalpha(c); }));
      }
    }
  }
  EXPECT_GT(labels[0], 0);
  EXPECT_GT(labels[1], 0);
  EXPECT_EQ(brown_order_task().label_names, (std::vector<std::string>{"shuffled", "original"}));
}

TEST(Brown, ErrorsNameFileAndLine) {
  const std::string token = error_of([] { read_brown_text(kBrown / "bad_token" / "ca01"); });
  EXPECT_NE(token.find("ca01:4:"), std::string::npos) << token;
  EXPECT_NE(token.find("'said/'"), std::string::npos) << token;

  const std::string tag = error_of([] { brown_pos_examples(kBrown / "bad_tag", Split::train); });
  EXPECT_NE(tag.find("cb03:6:"), std::string::npos) << tag;
  EXPECT_NE(tag.find("'zz-tl'"), std::string::npos) << tag;

  const std::string genre = error_of([] { brown_text_files(kBrown / "bad_genre"); });
  EXPECT_NE(genre.find("unknown genre letter 'i'"), std::string::npos) << genre;
  const std::string missing = error_of([] { brown_text_files(kBrown / "nowhere"); });
  EXPECT_NE(missing.find("scripts/fetch-brown.sh"), std::string::npos) << missing;
  const std::string empty = error_of([] { brown_text_files(kBrown); });
  EXPECT_NE(empty.find("no Brown texts"), std::string::npos) << empty;
}

TEST(Brown, TagVocabularySavesAndLoads) {
  const ScratchDir scratch;
  const fs::path dir = scratch.path();
  save_label_names(brown_pos_task(), dir / "labels.txt");
  EXPECT_EQ(load_label_names(dir / "labels.txt"), brown_pos_tags());
  write_bytes(dir / "dup.txt", "nn\nvb\nnn\n");
  const std::string dup = error_of([&] { load_label_names(dir / "dup.txt"); });
  EXPECT_NE(dup.find("dup.txt:3: label 'nn' appears twice"), std::string::npos) << dup;
}

// The whole corpus, when scripts/fetch-brown.sh has put it in corpora/brown.
TEST(Brown, RealCorpusWhenFetched) {
  const fs::path dir = fs::path(PARE_TEST_DATA_DIR) / ".." / ".." / "corpora" / "brown";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "corpus not fetched (scripts/fetch-brown.sh)";
  EXPECT_EQ(brown_text_files(dir).size(), 500u);
  std::size_t sentences = 0, tokens = 0;
  std::set<std::int64_t> tags_seen;
  for (Split s : {Split::train, Split::dev, Split::test}) {
    for (const auto& ex : brown_pos_examples(dir, s)) {  // throws on any tag outside the set
      ++sentences;
      tokens += ex.tags.size();
      tags_seen.insert(ex.tags.begin(), ex.tags.end());
    }
  }
  EXPECT_EQ(tokens, 1161192u);
  EXPECT_EQ(tags_seen.size(), brown_pos_tags().size());  // the set holds no unused tag
  EXPECT_GT(sentences, 55000u);
  std::set<std::int64_t> genres;
  for (const auto& ex : brown_genre_examples(dir, Split::dev)) genres.insert(*ex.label);
  EXPECT_EQ(genres.size(), 15u);
}

}  // namespace
}  // namespace pare
