fn main() {
    nnlab_experiments::gradcheck::main();
}
