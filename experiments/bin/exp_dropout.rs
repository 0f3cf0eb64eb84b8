fn main() {
    nnlab_experiments::dropout::main();
}
