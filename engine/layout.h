/* Between the engine's channels-last activations, [pixel][channel], and PyTorch's planes,
 * [channel][pixel]: fc1's input is pool 2's output flattened in PyTorch's (c, y, x) order, and
 * the feature maps the inference API hands out are planes. */
#ifndef MNIST_ENGINE_LAYOUT_H
#define MNIST_ENGINE_LAYOUT_H

/* planes[c][i] = pixels[i][c] for n pixels of C channels, and the reverse. */
void pixels_to_planes(const float *pixels, int n, int C, float *planes);
void planes_to_pixels(const float *planes, int n, int C, float *pixels);

/* planes[c][i] = relu(pixels[i][c] * scale[c] + shift[c]): BatchNorm + ReLU of one image, for
 * display. */
void bn_relu_to_planes(const float *pixels, int n, int C, const float *scale, const float *shift,
                       float *planes);

#endif
