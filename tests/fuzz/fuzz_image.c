/* libFuzzer target: the image reader (io/image.h: PNG through libpng, JPEG through libjpeg with
 * its Exif Orientation parsed by hand, PGM/PPM by hand) and what predict does with every loaded
 * image: the photo clean-up, then the MNIST-style preprocessing (with and without it). */
#include "engine/model.h"
#include "engine/photo_clean.h"
#include "engine/preprocess.h"
#include "io/image.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    GrayImage img;
    if (image_load(path, &img, err, sizeof err) == 0) {
        float out[IMG_PIXELS];
        preprocess_digit(img.pix, img.w, img.h, out);
        PhotoClean pc;
        if (photo_clean(img.pix, img.w, img.h, &pc) == 0) {
            preprocess_digit(pc.ink, pc.w, pc.h, out);
            photo_clean_free(&pc);
        }
        image_free(&img);
    }
    close(fd);
    return 0;
}
