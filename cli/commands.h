/* One entry point per subcommand: argv[0] is the subcommand's name. Each returns the exit code:
 * 0 ok, 1 runtime error, 2 usage error. */
#ifndef MNIST_CLI_COMMANDS_H
#define MNIST_CLI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif
