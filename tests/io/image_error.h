/* Shared by the image tests (sourced into each, after tests/check.h and io/image.h): a file that
 * must be refused, with a message that starts with its name and says what is wrong. */
#ifndef MNIST_TESTS_IO_IMAGE_ERROR_H
#define MNIST_TESTS_IO_IMAGE_ERROR_H

#include <stdio.h>
#include <string.h>

static void expect_error(const char *path, const char *needle)
{
    GrayImage img;
    char err[512] = "";
    CHECK(image_load(path, &img, err, sizeof err) == -1, "loaded %s", path);
    printf("# %s\n", err);
    CHECK(strstr(err, path) == err, "message does not start with the file name: %s", err);
    CHECK(strstr(err, needle) != NULL, "message lacks '%s': %s", needle, err);
    CHECK(img.pix == NULL, "pixels left allocated after an error");
}

#endif
