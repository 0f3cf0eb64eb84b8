fn main() {
    nnlab_experiments::update_rules::main();
}
