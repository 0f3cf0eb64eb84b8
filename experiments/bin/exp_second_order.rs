fn main() {
    nnlab_experiments::second_order::main();
}
