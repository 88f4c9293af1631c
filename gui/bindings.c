/* What keys and buttons do, as data (like suckless st's shortcut table): change a binding here
 * and nowhere else. The window's handlers look keys up in key_bindings and button clicks in
 * button_bindings; panel.c draws the buttons from the same table, in this order. */
#include "gui/app.h"

#include <X11/keysym.h>

const KeyBinding key_bindings[] = {
    {XK_c, action_clear},         {XK_C, action_clear},
    {XK_BackSpace, action_clear}, {XK_Delete, action_clear},
    {XK_p, action_predict},       {XK_P, action_predict},
    {XK_Return, action_predict},  {XK_KP_Enter, action_predict},
    {XK_d, action_toggle_debug},  {XK_D, action_toggle_debug},
    {XK_s, action_save},          {XK_S, action_save},
    {XK_q, action_quit},          {XK_Q, action_quit},
    {XK_Escape, action_quit},
};
const int n_key_bindings = (int)(sizeof key_bindings / sizeof key_bindings[0]);

static int debug_shown(const Gui *g) { return g->debug; }

const ButtonBinding button_bindings[] = {
    {"Clear", action_clear, NULL},
    {"Predict", action_predict, NULL},
    {"Debug", action_toggle_debug, debug_shown},
    {"Save", action_save, NULL},
};
const int n_buttons = (int)(sizeof button_bindings / sizeof button_bindings[0]);
