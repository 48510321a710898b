// The plain table hooks of a composed network kernel (`shaders/abi/network.wgsl`): parameter
// headers, single values and channel records read from `params`. Composed updates generate
// their own, with the words they read as constants.

fn channel_word(at: u32) -> u32 {
    return params[at];
}

fn param_word(at: u32) -> u32 {
    return params[at];
}
