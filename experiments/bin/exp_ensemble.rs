fn main() {
    nnlab_experiments::ensemble::main();
}
