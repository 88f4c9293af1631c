#include "cli/data_fingerprint.h"

#include <stdio.h>
#include <string.h>

static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

void data_fingerprint(const Dataset *train, const Dataset *test, char *buf, size_t n)
{
    const IdxArray *files[4] = {&train->images, &train->labels, &test->images, &test->labels};
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < 4 && used < n; i++) {
        char one[128];
        idx_fingerprint(files[i], names[i], one, sizeof one);
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", one);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* The part of fingerprint fp that names file: "NAME DIMS crc32 HEX" without the name, into buf
 * ("" when fp has no such part). */
static void part_for(const char *fp, const char *file, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t len = strlen(file);
    for (const char *p = fp; p && *p; p = strstr(p, ", ") ? strstr(p, ", ") + 2 : NULL) {
        if (strncmp(p, file, len) != 0 || p[len] != ' ') continue;
        size_t end = strcspn(p + len + 1, ",");
        snprintf(buf, n, "%.*s", (int)end, p + len + 1);
        return;
    }
}

int data_fingerprint_compare(const char *recorded, const char *now, const char *data_dir,
                             const char *checkpoint, char *msg, size_t n)
{
    if (!recorded[0]) return 0;   /* a checkpoint from before fingerprints: nothing to compare */
    for (int i = 0; i < 4; i++) {
        char then_part[128], now_part[128];
        part_for(recorded, names[i], then_part, sizeof then_part);
        part_for(now, names[i], now_part, sizeof now_part);
        if (strcmp(then_part, now_part) != 0) {
            snprintf(msg, n, "%s/%s is not the file %s was trained on (then: %s; now: %s)",
                     data_dir, names[i], checkpoint, then_part[0] ? then_part : "not recorded",
                     now_part);
            return -1;
        }
    }
    return 0;
}
